"""C2PA content credentials on approved outputs (DR044): the studio's certificate authority
(:mod:`.authority`) and adding and checking credentials (:mod:`.content`). Qt-free."""

from studio.core.credentials.authority import content_authority, root_certificate_pem, write_root_certificate
from studio.core.credentials.content import (
    CredentialCheck, CredentialFacts, CredentialsAdded, add_credentials, media_type, verify_credentials,
)

__all__ = ["CredentialCheck", "CredentialFacts", "CredentialsAdded", "add_credentials", "content_authority",
           "media_type", "root_certificate_pem", "verify_credentials", "write_root_certificate"]
