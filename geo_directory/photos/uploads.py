"""An upload handler that stops reading a file as soon as it is over the size limit."""

from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from .processing import MAX_BYTES


class SizeLimitHandler(FileUploadHandler):
    """First in the chain: counts the bytes of each file and stops the upload past
    MAX_BYTES, so a 2 GB file is not written to a temporary file before being refused.
    The view sees ``request.photo_too_large``."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > MAX_BYTES:
            self.request.photo_too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None
