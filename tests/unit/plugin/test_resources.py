"""The CA table: refresh from the plugins, visibility, CA selection."""

import datetime

import pytest
from stevedore import extension

from barbican_certs.common import exception
from barbican_certs.model import migration
from barbican_certs.model import models
from barbican_certs.model import repositories
from barbican_certs.plugin import local_ca
from barbican_certs.plugin import resources
from barbican_certs.plugin.interface import certificate_manager as cm


class ListingSubCAs(local_ca.LocalCAPlugin):
    """A local CA that also reports its sub-CAs in get_ca_info(), as
    Barbican's plugins did: the case where sub-CAs turned into roots."""

    def __init__(self) -> None:
        super().__init__()
        self.extra: dict = {}

    def get_ca_info(self):
        return dict(super().get_ca_info(), **self.extra)


@pytest.fixture
def plugin(conf):
    instance = ListingSubCAs()
    manager = extension.ExtensionManager.make_test_instance(
        [extension.Extension("local_ca", None, ListingSubCAs, instance)])
    cm.reset_plugin_manager(cm.CertificatePluginManager(manager))
    engine = repositories.setup_database()
    migration.upgrade(engine)
    yield instance
    cm.reset_plugin_manager()


def _project(name: str) -> models.Project:
    project = repositories.ProjectRepo().get_or_create(name)
    repositories.commit()
    return project


class TestRefresh:
    def test_expired_entry_is_refreshed_not_dropped(self, plugin):
        project = _project("p")
        [root] = resources.visible_cas(project)
        root.expiration = models.utcnow() - datetime.timedelta(hours=1)
        repositories.commit()

        [again] = resources.visible_cas(project)
        assert again.id == root.id
        assert again.expiration > models.utcnow()

    def test_sub_ca_never_becomes_a_root(self, plugin):
        owner, other = _project("owner"), _project("other")
        info = plugin.create_ca(cm.CACreateDTO(name="sub",
                                               subject_dn="CN=sub"))
        sub = repositories.CARepo().create_sub_ca(models.CertificateAuthority(
            plugin_name="local_ca", plugin_ca_id=info["plugin_ca_id"],
            project_id=owner.id, **resources.ca_fields(info)))
        repositories.commit()

        plugin.extra = {info["plugin_ca_id"]: info}
        resources.refresh_plugin_cas(force=True)
        repositories.clear()

        assert [ca.id for ca in resources.visible_cas(other)] == [
            resources.ca_id_for("local_ca", "root")]
        row = repositories.CARepo().get(sub.id)
        assert row.project_id == owner.id
        assert sub.id in [ca.id for ca in resources.visible_cas(owner)]


class TestSelection:
    def test_unknown_ca_id_is_invalid(self, plugin):
        with pytest.raises(resources.InvalidCAID):
            resources.select_ca({"ca_id": models.new_id()}, "simple-cmc",
                                _project("p"))

    def test_other_projects_sub_ca_is_403(self, plugin):
        owner, other = _project("owner"), _project("other")
        info = plugin.create_ca(cm.CACreateDTO(name="s", subject_dn="CN=s"))
        sub = repositories.CARepo().create_sub_ca(models.CertificateAuthority(
            plugin_name="local_ca", plugin_ca_id=info["plugin_ca_id"],
            project_id=owner.id, **resources.ca_fields(info)))
        repositories.commit()
        with pytest.raises(resources.SubCANotOwned) as error:
            resources.select_ca({"ca_id": sub.id}, "simple-cmc", other)
        assert error.value.code == 403
        assert resources.select_ca({"ca_id": sub.id}, "simple-cmc",
                                   owner) == ("local_ca",
                                              info["plugin_ca_id"])

    def test_default_is_first_supporting_plugin(self, plugin):
        assert resources.select_ca({}, "custom", _project("p")) == (
            "local_ca", None)
        with pytest.raises(resources.NoCAForOrder):
            resources.select_ca({}, "crmf", _project("p"))

    def test_not_found_is_a_not_found(self, plugin):
        with pytest.raises(exception.NotFound):
            resources.get_visible_ca(models.new_id(), _project("p"))
