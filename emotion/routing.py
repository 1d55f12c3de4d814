from django.urls import re_path

from emotion.consumers import SubmissionConsumer

websocket_urlpatterns = [
    re_path(r"^ws/submissions/(?P<submission_id>[0-9a-fA-F-]{36})/$", SubmissionConsumer.as_asgi()),
]
