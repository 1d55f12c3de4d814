"""Private file storage for recordings: files on disk with no public URL at all."""
from django.core.files.storage import FileSystemStorage


class PrivateRecordingStorage(FileSystemStorage):
    def url(self, name: str | None) -> str:
        # Recordings are streamed to their owner by the API; a URL here would bypass that check.
        raise ValueError("Recordings have no public URL; use /api/v1/submissions/<id>/audio/.")
