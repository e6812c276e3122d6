"""SoloCRM: a keyboard-driven terminal CRM for a one-person company.

Only the version lives here so that importing the package stays instant.
"""

__version__ = "0.1.0"
