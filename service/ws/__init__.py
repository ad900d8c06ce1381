"""The WebSocket side: the decision hub that fans frames out to console clients, and its endpoint."""
