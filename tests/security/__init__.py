"""Security promises of issue #10, one test (or parametrised group) per promise."""
