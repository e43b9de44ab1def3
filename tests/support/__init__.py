"""Helpers the test suites share: factories, databases, stacks, brokers and expected states.

Test modules import helpers from here, never from another test module or a conftest.py.
"""
