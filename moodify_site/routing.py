"""WebSocket routes, collected from the apps that own them."""
from emotion.routing import websocket_urlpatterns as emotion_websocket_urlpatterns

websocket_urlpatterns: list = [*emotion_websocket_urlpatterns]
