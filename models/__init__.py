"""Data model and the SOP workflow. `models.workflow` is the only code that changes a ticket."""
