"""The storage of uploaded files (STORAGES["default"]): every stored name fits the file system.

A name of 84 Chinese characters is 252 bytes in UTF-8, and the storage may add a suffix to make it
unique: past 255 bytes the file system refuses it (a server error). Names are cut here, for every
upload of every app, by `crm.uploads.storage_name` (extension kept); the documents keep the name they
were uploaded under as their display name.
"""

from django.core.files.storage import FileSystemStorage

from crm.uploads import storage_name


class SafeNameFileSystemStorage(FileSystemStorage):
    def get_valid_name(self, name):
        return storage_name(super().get_valid_name(name))
