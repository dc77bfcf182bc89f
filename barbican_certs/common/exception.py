"""The exception hierarchy of barbican-certs.

Every error the service raises on purpose derives from
:class:`BarbicanCertsException`.  Each class carries a message template and
an HTTP ``code``; the API renders ``client_message`` (never the text of a
lower library) and logs ``detail`` when one is given::

    BarbicanCertsException (500)
     +-- Invalid (400)
     |    +-- MissingHeader, MalformedJSON, InvalidMetadata, ...
     |    +-- UnableToDecodeRequestData, InvalidPKCS10Data, InvalidCMCData
     |    +-- InvalidSubjectDN, InvalidExtensionsData
     +-- NotAuthenticated (401)
     +-- NotAuthorized (403)
     +-- NotFound (404)
     +-- MethodNotAllowed (405)
     +-- NotAcceptable (406)
     +-- Conflict (409)
     +-- UnsupportedMediaType (415)
     +-- TemporaryFailure (503)
"""

from typing import Any


class BarbicanCertsException(Exception):
    """Base class of every error raised on purpose.

    :param detail: extra text for the log only; never shown to a client.
    :param kwargs: values for the class's ``message`` template.
    """

    message = "An unknown exception occurred."
    code = 500

    def __init__(self, detail: str | None = None, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.client_message = self.message % kwargs if kwargs else (
            self.message)
        self.detail = detail
        text = self.client_message
        if detail:
            text = "%s (%s)" % (text, detail)
        super().__init__(text)


# -- 400 ---------------------------------------------------------------------

class Invalid(BarbicanCertsException):
    message = "Invalid request."
    code = 400


class MissingHeader(Invalid):
    message = "Missing %(header)s"


class MalformedJSON(Invalid):
    message = "Malformed JSON"


class InvalidObject(Invalid):
    message = "Provided object does not match schema: %(reason)s"


class InvalidMetadata(Invalid):
    """A meta value of an order is wrong; the text says which and how."""

    message = "%(reason)s"


class MissingMetadataField(Invalid):
    message = "Missing required metadata field for %(field)s"


class UnsupportedField(Invalid):
    message = "%(reason)s"


class InvalidOrderType(Invalid):
    message = "Invalid order type: %(order_type)s"


class InvalidCertificateRequestType(Invalid):
    message = "Invalid Certificate Request Type"


class InvalidPayload(Invalid):
    message = "%(reason)s"


class InvalidReference(Invalid):
    message = "%(reason)s"


class UnableToDecodeRequestData(Invalid):
    message = "Unable to decode request data."


class InvalidPKCS10Data(Invalid):
    message = "Invalid PKCS10 Data: %(reason)s"


class InvalidCMCData(Invalid):
    message = "Invalid CMC Data: %(reason)s"


class CRMFNotSupported(InvalidCMCData):
    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, reason="CRMF requests are not supported")


class InvalidSubjectDN(Invalid):
    message = "Invalid subject DN: %(dn)s"


class InvalidExtensionsData(Invalid):
    message = "Invalid extensions data."


class OrderTypeImmutable(Invalid):
    message = "Cannot modify order type."


class OrderNotUpdatable(Invalid):
    message = ("Only PENDING orders can be updated. Order is in the "
               "%(status)s state.")


# -- 401 / 403 ---------------------------------------------------------------

class NotAuthenticated(BarbicanCertsException):
    message = "Authentication required."
    code = 401


class NotAuthorized(BarbicanCertsException):
    message = "Not authorized to perform this action."
    code = 403


class PolicyNotAuthorized(NotAuthorized):
    message = "%(action)s is not allowed by policy."


# -- 404 and other client errors ---------------------------------------------

class NotFound(BarbicanCertsException):
    message = "Not Found. Sorry but your %(entity)s is in another castle."
    code = 404


class MethodNotAllowed(BarbicanCertsException):
    message = "The method %(method)s is not allowed on this resource."
    code = 405


class NotAcceptable(BarbicanCertsException):
    message = "%(reason)s"
    code = 406


class Conflict(BarbicanCertsException):
    message = "%(reason)s"
    code = 409


class UnsupportedMediaType(BarbicanCertsException):
    message = ("Unexpected content type: %(content_type)s. Expected content "
               "types are: %(expected)s")
    code = 415


# -- 5xx ---------------------------------------------------------------------

class TemporaryFailure(BarbicanCertsException):
    message = "The service is temporarily unavailable: %(reason)s"
    code = 503


class ConfigurationError(BarbicanCertsException):
    """The service cannot start or run as configured."""

    message = "Configuration error: %(reason)s"
