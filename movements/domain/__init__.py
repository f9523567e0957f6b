"""The core: models, rules, events.  Imports stdlib and SQLAlchemy only (see the contract
test in tests/test_architecture.py)."""
