"""Sites, staff users and roles, visitors and their passes."""
