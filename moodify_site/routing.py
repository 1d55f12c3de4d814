"""WebSocket routes, collected from the apps that own them."""
websocket_urlpatterns: list = []
