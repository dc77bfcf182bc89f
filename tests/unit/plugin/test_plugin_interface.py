"""Tests of barbican_certs.plugin.interface.certificate_manager."""

import importlib
import sys
import textwrap

import pytest
from stevedore import extension
from stevedore import named

from barbican_certs.common import config
from barbican_certs.common import exception
from barbican_certs.plugin.interface import certificate_manager as cm

CONF = config.CONF

ISSUANCE_METHODS = [
    "issue_simple_cmc_request",
    "issue_full_cmc_request",
    "issue_certificate_request",
    "check_certificate_status",
    "modify_certificate_request",
    "cancel_certificate_request",
]


class MinimalPlugin(cm.CAPluginBase):
    """Implements only what the base class requires."""

    def __init__(self, request_types=("simple-cmc",)):
        self.request_types = list(request_types)

    def supported_request_types(self):
        return self.request_types

    def get_ca_info(self):
        return {}

    def get_default_ca_name(self):
        return "minimal"

    def get_default_signing_cert(self):
        return "PEM"

    def get_default_intermediates(self):
        return None


class RecordingPlugin(MinimalPlugin):
    """Answers every issuance method and records which one was called."""

    def __init__(self, request_types=tuple(cm.CertificateRequestType),
                 answer=None):
        super().__init__(request_types)
        self.calls = []
        self.answer = answer or cm.ResultDTO(
            cm.CertificateStatus.CERTIFICATE_GENERATED)

    def _record(self, method, *args):
        self.calls.append((method, args))
        return self.answer

    def issue_simple_cmc_request(self, *args):
        return self._record("issue_simple_cmc_request", *args)

    def issue_full_cmc_request(self, *args):
        return self._record("issue_full_cmc_request", *args)

    def issue_certificate_request(self, *args):
        return self._record("issue_certificate_request", *args)


def make_dto(request_type="simple-cmc"):
    return cm.BarbicanMetaDTO(request_type=request_type,
                              request_der=b"\x30\x00", plugin_ca_id=None)


def make_manager(**plugins):
    extensions = [extension.Extension(name, None, type(obj), obj)
                  for name, obj in plugins.items()]
    return cm.CertificatePluginManager(
        named.NamedExtensionManager.make_test_instance(
            extensions, namespace=cm.CERTIFICATE_PLUGIN_NAMESPACE))


@pytest.fixture(autouse=True)
def fresh_manager():
    cm.reset_plugin_manager()
    yield
    cm.reset_plugin_manager()


class TestCertificateStatus:

    def test_values_match_barbican(self):
        assert [s.value for s in cm.CertificateStatus] == [
            "certificate generated", "waiting for CA",
            "client data issue seen", "CA unavailable for request",
            "request canceled", "invalid operation"]


class TestCertificateRequestType:

    def test_values_are_plain_strings(self):
        assert list(cm.CertificateRequestType) == [
            "simple-cmc", "full-cmc", "stored-key", "custom"]
        assert str(cm.CertificateRequestType.STORED_KEY) == "stored-key"


class TestResultDTO:

    def test_init_defaults_to_no_certificate(self):
        result = cm.ResultDTO(cm.CertificateStatus.WAITING_FOR_CA)

        assert (result.status_message, result.certificate,
                result.intermediates, result.retry_msec) == (
                    None, None, None, 0)


class TestBarbicanMetaDTO:

    def test_init_defaults_to_no_generated_key(self):
        dto = make_dto()

        assert dto.generated_key_pem is None
        assert dto.generated_key_passphrase is None
        assert dto.plugin_ca_id is None

    def test_repr_hides_request_and_key_material(self):
        dto = cm.BarbicanMetaDTO("custom", b"REQUEST-DER", "ca-1",
                                 generated_key_pem=b"PRIVATE KEY",
                                 generated_key_passphrase=b"secret")

        text = repr(dto)

        assert "custom" in text and "ca-1" in text
        for hidden in ("REQUEST-DER", "PRIVATE KEY", "secret"):
            assert hidden not in text

    def test_eq_compares_fields(self):
        assert make_dto() == make_dto()
        assert make_dto() != make_dto("custom")


class TestCACreateDTO:

    def test_init_defaults_to_default_parent(self):
        dto = cm.CACreateDTO(name="sub", subject_dn="CN=sub")

        assert dto.parent_ca_id is None
        assert dto.description is None


class TestPluginErrors:

    def test_general_exception_names_reason(self):
        err = cm.CertificateGeneralException(reason="boom", detail="log")

        assert err.client_message == (
            "Problem seen during certificate processing - Reason: boom")
        assert err.code == 500
        assert isinstance(err, exception.BarbicanCertsException)
        assert "log" in str(err)

    def test_plugin_not_found_names_plugin(self):
        err = cm.CertificatePluginNotFound(plugin_name="dogtag")

        assert err.client_message == 'Certificate plugin "dogtag" not found.'
        assert err.plugin_name == "dogtag"
        assert err.code == 400

    def test_plugin_not_found_without_name_is_generic(self):
        err = cm.CertificatePluginNotFound(detail="none supports custom")

        assert err.client_message == (
            "Certificate plugin not found or configured.")
        assert err.detail == "none supports custom"
        assert err.plugin_name is None

    def test_plugin_not_found_for_ca_id_names_ca(self):
        err = cm.CertificatePluginNotFoundForCAID(ca_id="ca-7")

        assert err.client_message == 'Certificate plugin not found for "ca-7".'
        assert err.code == 400
        assert isinstance(err, exception.BarbicanCertsException)

    def test_event_plugin_not_found_names_plugin(self):
        named_err = cm.CertificateEventPluginNotFound(plugin_name="email")
        unnamed_err = cm.CertificateEventPluginNotFound()

        assert named_err.client_message == (
            'Certificate event plugin "email" not found.')
        assert unnamed_err.client_message == (
            "Certificate event plugin not found or configured.")
        assert named_err.code == 500
        assert isinstance(named_err, exception.BarbicanCertsException)


class TestCAPluginBase:

    def test_init_refuses_incomplete_plugin(self):
        class Incomplete(cm.CAPluginBase):
            pass

        with pytest.raises(TypeError):
            Incomplete()

    @pytest.mark.parametrize("method", ISSUANCE_METHODS)
    def test_issuance_default_raises_naming_method_and_plugin(self, method):
        plugin = MinimalPlugin()

        with pytest.raises(NotImplementedError) as info:
            getattr(plugin, method)("order-1", {}, {}, make_dto())

        assert method in str(info.value)
        assert "MinimalPlugin" in str(info.value)

    def test_create_ca_default_raises_naming_feature_and_plugin(self):
        with pytest.raises(NotImplementedError) as info:
            MinimalPlugin().create_ca(cm.CACreateDTO("sub", "CN=sub"))

        assert "Creating subordinate CAs" in str(info.value)
        assert "MinimalPlugin" in str(info.value)

    def test_delete_ca_default_raises_naming_feature_and_plugin(self):
        with pytest.raises(NotImplementedError) as info:
            MinimalPlugin().delete_ca("sub-1")

        assert "Deleting subordinate CAs" in str(info.value)
        assert "MinimalPlugin" in str(info.value)

    def test_supports_create_ca_defaults_to_false(self):
        assert MinimalPlugin().supports_create_ca() is False

    def test_get_profiles_defaults_to_empty(self):
        assert MinimalPlugin().get_profiles("any") == []

    def test_supports_accepts_declared_type(self):
        assert MinimalPlugin().supports({"request_type": "simple-cmc"})

    def test_supports_refuses_undeclared_type(self):
        assert not MinimalPlugin().supports({"request_type": "full-cmc"})

    @pytest.mark.parametrize("meta", [{}, {"request_type": None}])
    def test_supports_treats_missing_type_as_custom(self, meta):
        assert MinimalPlugin(["custom"]).supports(meta)
        assert not MinimalPlugin(["simple-cmc"]).supports(meta)


class TestRouteIssuance:

    @pytest.mark.parametrize("request_type,method", [
        ("simple-cmc", "issue_simple_cmc_request"),
        ("stored-key", "issue_simple_cmc_request"),
        ("full-cmc", "issue_full_cmc_request"),
        ("custom", "issue_certificate_request"),
    ])
    def test_route_calls_method_of_type(self, request_type, method):
        plugin = RecordingPlugin()
        dto = make_dto(request_type)
        meta, plugin_meta = {"request_type": request_type}, {"k": "v"}

        result = cm.route_issuance(plugin, "order-1", meta, plugin_meta, dto)

        assert result is plugin.answer
        assert plugin.calls == [
            (method, ("order-1", meta, plugin_meta, dto))]

    def test_route_refuses_undeclared_type_naming_plugin_and_type(self):
        plugin = RecordingPlugin(request_types=["simple-cmc"])

        with pytest.raises(cm.CertificateGeneralException) as info:
            cm.route_issuance(plugin, "order-1", {}, {}, make_dto("full-cmc"))

        assert "RecordingPlugin" in info.value.client_message
        assert "full-cmc" in info.value.client_message
        assert plugin.calls == []

    def test_route_refuses_unknown_type(self):
        plugin = RecordingPlugin(request_types=["telepathy"])

        with pytest.raises(cm.CertificateGeneralException) as info:
            cm.route_issuance(plugin, "order-1", {}, {},
                              make_dto("telepathy"))

        assert "telepathy" in info.value.client_message
        assert plugin.calls == []

    def test_route_refuses_answer_that_is_not_a_result(self):
        plugin = RecordingPlugin(answer="done")

        with pytest.raises(cm.CertificateGeneralException) as info:
            cm.route_issuance(plugin, "order-1", {}, {}, make_dto())

        assert "RecordingPlugin returned str" in info.value.client_message


class TestCertificatePluginManager:

    def test_plugins_keeps_configured_order(self):
        first, second = MinimalPlugin(), MinimalPlugin()

        manager = make_manager(b=first, a=second)

        assert manager.plugins() == [first, second]
        assert manager.names() == ["b", "a"]

    def test_get_plugin_finds_by_name(self):
        plugin = MinimalPlugin()

        assert make_manager(local_ca=plugin).get_plugin("local_ca") is plugin

    def test_get_plugin_raises_for_unknown_name(self):
        with pytest.raises(cm.CertificatePluginNotFound) as info:
            make_manager(local_ca=MinimalPlugin()).get_plugin("dogtag")

        assert info.value.plugin_name == "dogtag"

    def test_get_plugin_for_returns_first_supporting(self):
        cmc_only = MinimalPlugin(["simple-cmc"])
        custom_a = MinimalPlugin(["custom"])
        custom_b = MinimalPlugin(["custom"])
        manager = make_manager(a=cmc_only, b=custom_a, c=custom_b)

        assert manager.get_plugin_for({"request_type": "custom"}) is custom_a
        assert manager.get_plugin_for(
            {"request_type": "simple-cmc"}) is cmc_only

    def test_get_plugin_for_raises_when_none_supports(self):
        manager = make_manager(a=MinimalPlugin(["simple-cmc"]))

        with pytest.raises(cm.CertificatePluginNotFound) as info:
            manager.get_plugin_for({"request_type": "full-cmc"})

        assert info.value.plugin_name is None
        assert "full-cmc" in info.value.detail

    def test_get_plugin_by_ca_id_finds_plugin(self):
        plugin = MinimalPlugin()
        manager = make_manager(local_ca=plugin)

        assert manager.get_plugin_by_ca_id("local_ca", ca_id="ca-1") is plugin

    def test_get_plugin_by_ca_id_raises_naming_ca(self):
        manager = make_manager(local_ca=MinimalPlugin())

        with pytest.raises(cm.CertificatePluginNotFoundForCAID) as info:
            manager.get_plugin_by_ca_id("dogtag", ca_id="ca-1")

        assert info.value.client_message == (
            'Certificate plugin not found for "ca-1".')
        assert isinstance(info.value.__cause__, cm.CertificatePluginNotFound)

    def test_get_plugin_by_ca_id_names_plugin_without_ca_id(self):
        manager = make_manager(local_ca=MinimalPlugin())

        with pytest.raises(cm.CertificatePluginNotFoundForCAID) as info:
            manager.get_plugin_by_ca_id("dogtag")

        assert '"dogtag"' in info.value.client_message

    def test_name_of_finds_entry_point_name(self):
        plugin = MinimalPlugin()

        assert make_manager(x=MinimalPlugin(), y=plugin).name_of(plugin) == "y"

    def test_name_of_raises_for_foreign_instance(self):
        with pytest.raises(cm.CertificatePluginNotFound):
            make_manager(x=MinimalPlugin()).name_of(MinimalPlugin())

    def test_init_refuses_object_that_is_not_a_plugin(self):
        with pytest.raises(cm.CertificateGeneralException) as info:
            make_manager(odd=object())

        assert "odd" in info.value.client_message


FAKE_PLUGINS = '''
from barbican_certs.plugin.interface import certificate_manager as cm


class PluginA(cm.CAPluginBase):
    instances = 0

    def __init__(self):
        type(self).instances += 1

    def supported_request_types(self):
        return ["custom"]

    def get_ca_info(self):
        return {}

    def get_default_ca_name(self):
        return type(self).__name__

    def get_default_signing_cert(self):
        return ""

    def get_default_intermediates(self):
        return None


class PluginB(PluginA):
    instances = 0


class Broken(PluginA):
    def __init__(self):
        raise OSError("state_path is not writable")


class NotAPlugin:
    pass
'''

ENTRY_POINTS = f"""
[{cm.CERTIFICATE_PLUGIN_NAMESPACE}]
fake_a = bc_fake_ca_plugins:PluginA
fake_b = bc_fake_ca_plugins:PluginB
broken = bc_fake_ca_plugins:Broken
not_a_plugin = bc_fake_ca_plugins:NotAPlugin
"""


@pytest.fixture(scope="module")
def installed_fake_plugins(tmp_path_factory):
    """A real distribution with entry points, found on sys.path."""
    site = tmp_path_factory.mktemp("site")
    (site / "bc_fake_ca_plugins.py").write_text(FAKE_PLUGINS)
    dist_info = site / "bc_fake_ca_plugins-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(textwrap.dedent("""\
        Metadata-Version: 2.1
        Name: bc-fake-ca-plugins
        Version: 1.0
        """))
    (dist_info / "entry_points.txt").write_text(ENTRY_POINTS)
    # stevedore keeps each namespace's entry points for the life of the
    # process; forget what an earlier test of this run loaded.
    cache = extension.ExtensionManager.ENTRY_POINT_CACHE
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(site))
        importlib.invalidate_caches()
        cache.pop(cm.CERTIFICATE_PLUGIN_NAMESPACE, None)
        yield importlib.import_module("bc_fake_ca_plugins")
    cache.pop(cm.CERTIFICATE_PLUGIN_NAMESPACE, None)
    sys.modules.pop("bc_fake_ca_plugins", None)


@pytest.fixture
def enabled_plugins():
    def enable(*names):
        CONF.set_override("enabled_certificate_plugins", list(names),
                          group="certificate")

    yield enable
    CONF.clear_override("enabled_certificate_plugins", group="certificate")


class TestGetPluginManager:

    def test_get_loads_enabled_plugins_in_configured_order(
            self, installed_fake_plugins, enabled_plugins):
        enabled_plugins("fake_b", "fake_a")

        manager = cm.get_plugin_manager()

        assert manager.names() == ["fake_b", "fake_a"]
        assert [type(p).__name__ for p in manager.plugins()] == [
            "PluginB", "PluginA"]

    def test_get_creates_plugins_once_per_process(
            self, installed_fake_plugins, enabled_plugins):
        enabled_plugins("fake_a")
        before = installed_fake_plugins.PluginA.instances

        first = cm.get_plugin_manager()
        second = cm.get_plugin_manager()

        assert first is second
        assert first.get_plugin("fake_a") is second.get_plugin("fake_a")
        assert installed_fake_plugins.PluginA.instances == before + 1

    def test_reset_makes_next_get_load_again(
            self, installed_fake_plugins, enabled_plugins):
        enabled_plugins("fake_a")
        first = cm.get_plugin_manager()

        cm.reset_plugin_manager()

        assert cm.get_plugin_manager() is not first

    def test_reset_installs_given_manager(self):
        manager = make_manager(x=MinimalPlugin())

        cm.reset_plugin_manager(manager)

        assert cm.get_plugin_manager() is manager

    def test_get_raises_for_plugin_without_entry_point(
            self, installed_fake_plugins, enabled_plugins):
        enabled_plugins("fake_a", "missing_ca")

        with pytest.raises(cm.CertificatePluginNotFound) as info:
            cm.get_plugin_manager()

        assert info.value.plugin_name == "missing_ca"

    def test_get_raises_when_plugin_fails_to_load(
            self, installed_fake_plugins, enabled_plugins):
        enabled_plugins("broken")

        with pytest.raises(cm.CertificateGeneralException) as info:
            cm.get_plugin_manager()

        assert "broken failed to load" in info.value.client_message
        assert isinstance(info.value.__cause__, OSError)
        assert "not writable" not in info.value.client_message

    def test_get_raises_for_entry_point_that_is_not_a_plugin(
            self, installed_fake_plugins, enabled_plugins):
        enabled_plugins("not_a_plugin")

        with pytest.raises(cm.CertificateGeneralException) as info:
            cm.get_plugin_manager()

        assert "not_a_plugin" in info.value.client_message
