"""Service: tickets (requests and feedback) and their satisfaction scores."""
