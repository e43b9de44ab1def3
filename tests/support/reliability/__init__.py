"""The reliability suites' harness: a supervised system with its own PostgreSQL, a paced
publisher, and the state a scenario must leave behind."""
