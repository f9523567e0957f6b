"""The only code that writes.  Each action checks its rule, changes rows, records events.

Actions take a ``Tx`` first and run inside ``UnitOfWork.run``, which commits and then
publishes what they recorded.
"""
