"""The REST side of the API, one router per resource."""
