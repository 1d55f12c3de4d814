"""Account errors that need more than the project's generic mapping of domain errors."""
from rest_framework.exceptions import AuthenticationFailed

from moodify_site.api_errors import ApiError


class TokenRejected(ApiError, AuthenticationFailed):
    """401 (with `WWW-Authenticate: Token`) and the sentence that says why: expired, revoked."""
