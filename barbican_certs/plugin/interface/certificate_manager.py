"""The contract between the core and certificate authority plugins.

See SPEC section 4.  A CA plugin subclasses :class:`CAPluginBase`; stevedore
loads the enabled ones from the ``barbican_certs.certificate.plugin`` entry
point namespace into the process-wide :class:`CertificatePluginManager`
returned by :func:`get_plugin_manager`.  :func:`route_issuance` hands an
order to the issuance method its request type calls for.

Values exchanged with a plugin:

* :class:`ResultDTO` and :class:`CertificateStatus`: what a plugin answers;
* :class:`BarbicanMetaDTO`: what the core prepared for the plugin (the
  request DER, the chosen CA) and what the plugin hands back beside the
  result (a key it generated);
* :class:`CACreateDTO`: a subordinate CA to create;
* CA information dicts keyed by the ``INFO_*`` names below, and profile
  dicts with the keys ``name``, ``description``, ``request_types`` and
  ``parameters``.

Errors a plugin or the loader raises::

    BarbicanCertsException
     +-- CertificateGeneralException (500)
     +-- CertificatePluginNotFound (400)
     +-- CertificatePluginNotFoundForCAID (400)
     +-- CertificateEventPluginNotFound (500)
"""

import abc
import dataclasses
import enum
import threading
from typing import Any

from oslo_log import log as logging
from stevedore import extension
from stevedore import named

from barbican_certs.common import config
from barbican_certs.common import exception

LOG = logging.getLogger(__name__)

CERTIFICATE_PLUGIN_NAMESPACE = "barbican_certs.certificate.plugin"

#: Days after which the core asks a plugin again for its CA information.
CA_INFO_DEFAULT_EXPIRATION_DAYS = 1

INFO_PLUGIN_CA_ID = "plugin_ca_id"
INFO_NAME = "name"
INFO_DESCRIPTION = "description"
INFO_CA_SIGNING_CERT = "ca_signing_certificate"
INFO_INTERMEDIATES = "intermediates"
INFO_EXPIRATION = "expiration"


class CertificateStatus(str, enum.Enum):
    """What a CA answered to an issuance or status request."""

    CERTIFICATE_GENERATED = "certificate generated"
    WAITING_FOR_CA = "waiting for CA"
    CLIENT_DATA_ISSUE_SEEN = "client data issue seen"
    CA_UNAVAILABLE_FOR_REQUEST = "CA unavailable for request"
    REQUEST_CANCELED = "request canceled"
    INVALID_OPERATION = "invalid operation"


class CertificateRequestType(enum.StrEnum):
    """The request types of a certificate order (SPEC section 3.3)."""

    SIMPLE_CMC = "simple-cmc"
    FULL_CMC = "full-cmc"
    STORED_KEY = "stored-key"
    CUSTOM = "custom"


@dataclasses.dataclass
class ResultDTO:
    """The outcome of one plugin call.

    :ivar status: a :class:`CertificateStatus`.
    :ivar status_message: a short text for the order's error reason; the
        core never shows it verbatim when it may hold CA internals.
    :ivar certificate: the issued certificate, PEM, when generated.
    :ivar intermediates: the chain as PEM PKCS#7, when the CA returned one.
    :ivar retry_msec: when to ask again, for waiting and unavailable.
    """

    status: CertificateStatus
    status_message: str | None = None
    certificate: bytes | None = None
    intermediates: bytes | None = None
    retry_msec: int = 0


@dataclasses.dataclass
class BarbicanMetaDTO:
    """What the core prepared for one issuance call, and what comes back.

    The representation leaves out the request and any key material.

    :ivar request_type: a :class:`CertificateRequestType` value.
    :ivar request_der: the PKCS#10 request, DER, for ``simple-cmc`` and
        ``stored-key`` (the core built and signed it with the stored key);
        the full CMC request, DER, for ``full-cmc``; ``None`` for
        ``custom``.
    :ivar plugin_ca_id: the plugin's id of the CA chosen for the order, or
        ``None`` for the plugin's default CA.
    :ivar generated_key_pem: set by a plugin that generated the key pair
        itself: the private key as PKCS#8 PEM, encrypted when
        ``generated_key_passphrase`` is set.  The core stores it beside the
        certificate.
    :ivar generated_key_passphrase: the passphrase of ``generated_key_pem``.
    """

    request_type: str
    request_der: bytes | None = dataclasses.field(default=None, repr=False)
    plugin_ca_id: str | None = None
    generated_key_pem: bytes | None = dataclasses.field(
        default=None, repr=False)
    generated_key_passphrase: bytes | None = dataclasses.field(
        default=None, repr=False)


@dataclasses.dataclass
class CACreateDTO:
    """A subordinate CA to create (``POST /v1/cas``).

    :ivar name: the display name of the new CA.
    :ivar subject_dn: its subject, an RFC 4514 string.
    :ivar parent_ca_id: the plugin's id of the CA that signs it, or
        ``None`` for the plugin's default CA.
    :ivar description: a free text, optional.
    """

    name: str
    subject_dn: str
    parent_ca_id: str | None = None
    description: str | None = None


class CertificateGeneralException(exception.BarbicanCertsException):
    """A plugin or the core failed while handling a certificate order."""

    message = ("Problem seen during certificate processing - Reason: "
               "%(reason)s")


class _PluginNotFound(exception.BarbicanCertsException):
    """A plugin is missing; the message names it when a name is known."""

    unnamed_message = "Plugin not found."

    def __init__(self, plugin_name: str | None = None,
                 detail: str | None = None) -> None:
        self.plugin_name = plugin_name
        if plugin_name is None:
            self.message = self.unnamed_message
            super().__init__(detail)
        else:
            super().__init__(detail, plugin_name=plugin_name)


class CertificatePluginNotFound(_PluginNotFound):
    """No enabled CA plugin has that name, or none can serve an order.

    :param plugin_name: the plugin looked for, when it was named.
    :param detail: extra text for the log only.
    """

    message = 'Certificate plugin "%(plugin_name)s" not found.'
    unnamed_message = "Certificate plugin not found or configured."
    code = 400


class CertificatePluginNotFoundForCAID(exception.BarbicanCertsException):
    """The plugin serving a CA is not enabled in this process."""

    message = 'Certificate plugin not found for "%(ca_id)s".'
    code = 400


class CertificateEventPluginNotFound(_PluginNotFound):
    """No enabled certificate event plugin has that name.

    :param plugin_name: the plugin looked for, when it was named.
    :param detail: extra text for the log only.
    """

    message = 'Certificate event plugin "%(plugin_name)s" not found.'
    unnamed_message = "Certificate event plugin not found or configured."


class CAPluginBase(abc.ABC):
    """The base class of every certificate authority plugin.

    A plugin declares the request types it serves in
    :meth:`supported_request_types`; the core calls only the issuance
    methods of those types (see :func:`route_issuance`).  Every issuance
    and follow-up method takes the same arguments and returns a
    :class:`ResultDTO`:

    * ``order_id``: the order's id, for logs and for the CA's records;
    * ``order_meta``: the order's ``meta`` as the client submitted it;
    * ``plugin_meta``: strings the plugin keeps between calls for the order
      (a CA request id, a CMC pendToken).  The plugin changes it in place
      and the core persists it after each call;
    * ``barbican_meta_dto``: a :class:`BarbicanMetaDTO`.

    The defaults of the optional methods raise :class:`NotImplementedError`
    naming the method and the plugin.  A plugin is created once per
    process and may be called from several threads at once.
    """

    def _not_implemented(self, method: str) -> NotImplementedError:
        return NotImplementedError(
            "%s is not implemented by certificate plugin %s"
            % (method, type(self).__name__))

    def issue_simple_cmc_request(
            self, order_id: str, order_meta: dict[str, Any],
            plugin_meta: dict[str, str],
            barbican_meta_dto: BarbicanMetaDTO) -> ResultDTO:
        """Issue a certificate for a PKCS#10 request.

        Serves ``simple-cmc`` and ``stored-key`` orders; the request is
        ``barbican_meta_dto.request_der``.

        :returns: the CA's answer.
        :raises NotImplementedError: the plugin does not implement it.
        """
        raise self._not_implemented("issue_simple_cmc_request")

    def issue_full_cmc_request(
            self, order_id: str, order_meta: dict[str, Any],
            plugin_meta: dict[str, str],
            barbican_meta_dto: BarbicanMetaDTO) -> ResultDTO:
        """Issue a certificate for a full PKI Request (RFC 5272 §3.2).

        The request is ``barbican_meta_dto.request_der``.

        :returns: the CA's answer.
        :raises NotImplementedError: the plugin does not implement it.
        """
        raise self._not_implemented("issue_full_cmc_request")

    def issue_certificate_request(
            self, order_id: str, order_meta: dict[str, Any],
            plugin_meta: dict[str, str],
            barbican_meta_dto: BarbicanMetaDTO) -> ResultDTO:
        """Issue a certificate from CA-specific (``custom``) parameters.

        The parameters are the keys of ``order_meta``.

        :returns: the CA's answer.
        :raises NotImplementedError: the plugin does not implement it.
        """
        raise self._not_implemented("issue_certificate_request")

    def check_certificate_status(
            self, order_id: str, order_meta: dict[str, Any],
            plugin_meta: dict[str, str],
            barbican_meta_dto: BarbicanMetaDTO) -> ResultDTO:
        """Ask the CA how a request it is still working on stands.

        Called after an issuance method answered ``waiting for CA``.

        :returns: the CA's answer.
        :raises NotImplementedError: the plugin does not implement it.
        """
        raise self._not_implemented("check_certificate_status")

    def modify_certificate_request(
            self, order_id: str, order_meta: dict[str, Any],
            plugin_meta: dict[str, str],
            barbican_meta_dto: BarbicanMetaDTO) -> ResultDTO:
        """Tell the CA that the requestor fields of a request changed.

        ``order_meta`` holds the new values (SPEC section 3.4).

        :returns: the CA's answer.
        :raises NotImplementedError: the plugin does not implement it.
        """
        raise self._not_implemented("modify_certificate_request")

    def cancel_certificate_request(
            self, order_id: str, order_meta: dict[str, Any],
            plugin_meta: dict[str, str],
            barbican_meta_dto: BarbicanMetaDTO) -> ResultDTO:
        """Withdraw a request the CA has not answered yet.

        :returns: the CA's answer, ``request canceled`` on success.
        :raises NotImplementedError: the plugin does not implement it.
        """
        raise self._not_implemented("cancel_certificate_request")

    def supports(self, order_meta: dict[str, Any]) -> bool:
        """Tell whether this plugin can serve a certificate order.

        The default accepts every order whose ``request_type`` (``custom``
        when absent) is in :meth:`supported_request_types`.

        :param order_meta: the order's ``meta``.
        :returns: ``True`` when the plugin can take the order.
        """
        request_type = (order_meta.get("request_type")
                        or CertificateRequestType.CUSTOM)
        return request_type in self.supported_request_types()

    @abc.abstractmethod
    def supported_request_types(self) -> list[str]:
        """List the request types this plugin serves.

        Values are :class:`CertificateRequestType` members; ``stored-key``
        is served through :meth:`issue_simple_cmc_request`.

        :returns: the request types, in no particular order.
        """

    @abc.abstractmethod
    def get_ca_info(self) -> dict[str, dict[str, Any]]:
        """Describe the root CAs this plugin serves.

        Only root CAs are listed: subordinate CAs reach the core through
        :meth:`create_ca` and belong to the project that made them.

        :returns: a dict from plugin CA id to a dict with the keys
            ``name``, ``description``, ``ca_signing_certificate`` (PEM
            text), ``intermediates`` (PEM PKCS#7 text, or ``None``) and
            ``expiration`` (an aware UTC datetime after which the core
            should ask again; see ``CA_INFO_DEFAULT_EXPIRATION_DAYS``).
        """

    def supports_create_ca(self) -> bool:
        """Tell whether this plugin creates subordinate CAs.

        :returns: ``False`` unless the plugin overrides it.
        """
        return False

    def create_ca(self, ca_create_dto: CACreateDTO) -> dict[str, Any]:
        """Create a subordinate CA.

        :param ca_create_dto: the CA to create.
        :returns: a dict with the keys of a :meth:`get_ca_info` entry plus
            ``plugin_ca_id``.
        :raises NotImplementedError: the plugin does not create CAs.
        """
        raise NotImplementedError(
            "Creating subordinate CAs is not supported by certificate "
            "plugin %s" % type(self).__name__)

    def delete_ca(self, plugin_ca_id: str) -> None:
        """Delete a subordinate CA this plugin created.

        :param plugin_ca_id: the plugin's id of the CA.
        :raises NotImplementedError: the plugin does not delete CAs.
        """
        raise NotImplementedError(
            "Deleting subordinate CAs is not supported by certificate "
            "plugin %s" % type(self).__name__)

    def get_profiles(self, plugin_ca_id: str) -> list[dict[str, Any]]:
        """List the enrollment profiles of a CA.

        :param plugin_ca_id: the plugin's id of the CA.
        :returns: dicts with the keys ``name``, ``description``,
            ``request_types`` (a list) and ``parameters`` (a JSON Schema
            of the ``custom`` parameters).  The default is empty.
        """
        return []

    @abc.abstractmethod
    def get_default_ca_name(self) -> str:
        """Name the CA used when an order names none.

        :returns: the CA's display name.
        """

    @abc.abstractmethod
    def get_default_signing_cert(self) -> str:
        """Give the certificate of the CA used when an order names none.

        :returns: the certificate, PEM text.
        """

    @abc.abstractmethod
    def get_default_intermediates(self) -> str | None:
        """Give the chain of the CA used when an order names none.

        :returns: the chain as PEM PKCS#7 text, or ``None`` when there is
            none.
        """


_ISSUANCE_METHODS: dict[str, str] = {
    CertificateRequestType.SIMPLE_CMC.value: "issue_simple_cmc_request",
    CertificateRequestType.STORED_KEY.value: "issue_simple_cmc_request",
    CertificateRequestType.FULL_CMC.value: "issue_full_cmc_request",
    CertificateRequestType.CUSTOM.value: "issue_certificate_request",
}


def route_issuance(plugin: CAPluginBase, order_id: str,
                   order_meta: dict[str, Any], plugin_meta: dict[str, str],
                   barbican_meta_dto: BarbicanMetaDTO) -> ResultDTO:
    """Call the issuance method of a plugin that serves an order's type.

    ``simple-cmc`` and ``stored-key`` go to ``issue_simple_cmc_request``,
    ``full-cmc`` to ``issue_full_cmc_request`` and ``custom`` to
    ``issue_certificate_request``.

    :param plugin: the plugin chosen for the order.
    :param order_id: the order's id.
    :param order_meta: the order's ``meta``.
    :param plugin_meta: the plugin's saved strings for the order.
    :param barbican_meta_dto: the request type and data.
    :returns: the plugin's answer.
    :raises CertificateGeneralException: the request type is unknown, the
        plugin did not declare it, or the plugin answered something other
        than a :class:`ResultDTO`.
    """
    request_type = barbican_meta_dto.request_type
    plugin_class = type(plugin).__name__
    if request_type not in _ISSUANCE_METHODS:
        raise CertificateGeneralException(
            reason="unknown certificate request type %r" % request_type)
    if request_type not in plugin.supported_request_types():
        raise CertificateGeneralException(
            reason="certificate plugin %s does not support request type %s"
            % (plugin_class, request_type))

    method_name = _ISSUANCE_METHODS[request_type]
    LOG.debug("Order %s goes to %s.%s", order_id, plugin_class, method_name)
    result = getattr(plugin, method_name)(
        order_id, order_meta, plugin_meta, barbican_meta_dto)
    if not isinstance(result, ResultDTO):
        raise CertificateGeneralException(
            reason="certificate plugin %s returned %s instead of a ResultDTO"
            % (plugin_class, type(result).__name__))
    return result


class CertificatePluginManager:
    """The CA plugins enabled in this process, in configured order.

    :param extension_manager: the stevedore manager holding the plugin
        instances; ``None`` loads the plugins named by ``[certificate]
        enabled_certificate_plugins`` from their entry points.  Tests pass
        ``NamedExtensionManager.make_test_instance(...)``.
    :raises CertificatePluginNotFound: an enabled plugin has no entry
        point.
    :raises CertificateGeneralException: a plugin failed to load, or is
        not a :class:`CAPluginBase`.
    """

    def __init__(
            self,
            extension_manager: extension.ExtensionManager[Any] | None = None,
    ) -> None:
        if extension_manager is None:
            extension_manager = _load_extension_manager()
        self._plugins: list[tuple[str, CAPluginBase]] = []
        for ext in extension_manager.extensions:
            if not isinstance(ext.obj, CAPluginBase):
                raise CertificateGeneralException(
                    reason="certificate plugin %s is not a CAPluginBase"
                    % ext.name)
            self._plugins.append((ext.name, ext.obj))

    def plugins(self) -> list[CAPluginBase]:
        """List the plugin instances in configured order.

        :returns: the plugins.
        """
        return [plugin for _, plugin in self._plugins]

    def names(self) -> list[str]:
        """List the entry point names of the plugins in configured order.

        :returns: the names.
        """
        return [name for name, _ in self._plugins]

    def name_of(self, plugin: CAPluginBase) -> str:
        """Give the entry point name a plugin instance was loaded under.

        :param plugin: one of :meth:`plugins`.
        :returns: its name, as stored in a CA's ``plugin_name``.
        :raises CertificatePluginNotFound: the instance is not managed here.
        """
        for name, candidate in self._plugins:
            if candidate is plugin:
                return name
        raise CertificatePluginNotFound(
            detail="%s instance is not loaded" % type(plugin).__name__)

    def get_plugin(self, plugin_name: str) -> CAPluginBase:
        """Find an enabled plugin by entry point name.

        :param plugin_name: the name, e.g. ``local_ca``.
        :returns: the plugin.
        :raises CertificatePluginNotFound: no enabled plugin has that name.
        """
        for name, plugin in self._plugins:
            if name == plugin_name:
                return plugin
        raise CertificatePluginNotFound(plugin_name=plugin_name)

    def get_plugin_for(self, order_meta: dict[str, Any]) -> CAPluginBase:
        """Find the first plugin whose ``supports()`` accepts an order.

        :param order_meta: the order's ``meta``.
        :returns: the plugin.
        :raises CertificatePluginNotFound: no enabled plugin accepts it.
        """
        for _, plugin in self._plugins:
            if plugin.supports(order_meta):
                return plugin
        raise CertificatePluginNotFound(
            detail="no enabled plugin supports request type %s"
            % order_meta.get("request_type", CertificateRequestType.CUSTOM))

    def get_plugin_by_ca_id(self, plugin_name: str,
                            ca_id: str | None = None) -> CAPluginBase:
        """Find the plugin serving a CA.

        The caller reads the CA's ``plugin_name`` from the database; this
        method only maps a missing plugin onto the CA's error.

        :param plugin_name: the CA's ``plugin_name``.
        :param ca_id: the CA's id, for the error message; the plugin name
            stands in for it when not given.
        :returns: the plugin.
        :raises CertificatePluginNotFoundForCAID: the plugin is not enabled.
        """
        try:
            return self.get_plugin(plugin_name)
        except CertificatePluginNotFound as err:
            raise CertificatePluginNotFoundForCAID(
                ca_id=ca_id or plugin_name,
                detail="plugin %s is not enabled" % plugin_name) from err


def _raise_missing(missing_names: Any) -> None:
    raise CertificatePluginNotFound(
        plugin_name=", ".join(sorted(missing_names)))


def _raise_load_failure(manager: Any, entry_point: Any,
                        err: BaseException) -> None:
    raise CertificateGeneralException(
        reason="certificate plugin %s failed to load" % entry_point.name,
        detail="%s: %s" % (type(err).__name__, err)) from err


def _load_extension_manager() -> named.NamedExtensionManager[Any]:
    names = list(config.CONF.certificate.enabled_certificate_plugins)
    LOG.debug("Loading certificate plugins %s", names)
    return named.NamedExtensionManager(
        namespace=CERTIFICATE_PLUGIN_NAMESPACE, names=names,
        invoke_on_load=True, name_order=True,
        on_load_failure_callback=_raise_load_failure,
        on_missing_entrypoints_callback=_raise_missing)


_manager: CertificatePluginManager | None = None
_manager_lock = threading.Lock()


def get_plugin_manager() -> CertificatePluginManager:
    """Give the process-wide plugin manager, loading the plugins once.

    :returns: the manager.
    :raises CertificatePluginNotFound: an enabled plugin has no entry
        point.
    :raises CertificateGeneralException: a plugin failed to load.
    """
    global _manager
    with _manager_lock:
        if _manager is None:
            _manager = CertificatePluginManager()
        return _manager


def reset_plugin_manager(
        manager: CertificatePluginManager | None = None) -> None:
    """Replace the process-wide plugin manager; for tests.

    :param manager: the manager :func:`get_plugin_manager` returns from now
        on; ``None`` makes its next call load the plugins again.
    """
    global _manager
    with _manager_lock:
        _manager = manager
