"""Organisation, user and account rules (the service layer; views stay thin)."""
