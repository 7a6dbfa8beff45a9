"""Accounts: users, departments and roles, sign-up and sign-in, resident ID numbers (real-name data)."""
