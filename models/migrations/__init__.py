"""The numbered schema migrations, `NNNN_name.py`, each with `upgrade(migrator, database)`.

They are applied in order by `models.migrate`; a migration never imports the live models (they
change later): it freezes what it needs in its own file.
"""
