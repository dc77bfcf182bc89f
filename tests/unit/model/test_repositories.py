"""Repositories on a real database: scoping, paging, claims and leases."""

import datetime
import threading

import pytest

from barbican_certs.common import exception
from barbican_certs.model import migration
from barbican_certs.model import models
from barbican_certs.model import repositories


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, conf, tmp_path):
    if request.param == "sqlite":
        url = "sqlite:///%s" % (tmp_path / "repo.sqlite")
    else:
        url = request.getfixturevalue("pg_schema_url")
    engine = repositories.setup_database(url)
    migration.upgrade(engine)
    yield engine
    repositories.teardown_database()


def _order(project: models.Project, **fields) -> models.Order:
    order = models.Order(project_id=project.id, type="key",
                         meta={"algorithm": "aes", "bit_length": 128},
                         next_action="issue", due_at=models.utcnow(),
                         plugin_meta={}, core_meta={}, **fields)
    repositories.OrderRepo().create(order)
    repositories.commit()
    return order


class TestScoping:
    def test_other_project_gets_not_found(self, database):
        owner = repositories.ProjectRepo().get_or_create("owner")
        other = repositories.ProjectRepo().get_or_create("other")
        order = _order(owner)
        with pytest.raises(exception.NotFound):
            repositories.OrderRepo().get(order.id, other.id)
        assert repositories.OrderRepo().get(order.id, owner.id).id == (
            order.id)

    def test_project_created_once(self, database):
        first = repositories.ProjectRepo().get_or_create("same")
        repositories.commit()
        second = repositories.ProjectRepo().get_or_create("same")
        assert first.id == second.id

    def test_paging_and_clamping(self, database, conf):
        project = repositories.ProjectRepo().get_or_create("pager")
        ids = [_order(project).id for _ in range(5)]
        page, total = repositories.OrderRepo().list(project.id, 1, 2)
        assert total == 5
        assert [o.id for o in page] == ids[1:3]
        assert repositories.clamp_paging("x", "y") == (0, 10)
        assert repositories.clamp_paging(-1, 1000) == (0, 100)
        assert repositories.clamp_paging(3, 0) == (3, 1)


class TestClaims:
    def test_only_one_of_many_claims_wins(self, database):
        project = repositories.ProjectRepo().get_or_create("race")
        order = _order(project)
        repositories.clear()
        barrier = threading.Barrier(8)
        wins = []

        def contend(owner: str) -> None:
            barrier.wait()
            try:
                if repositories.OrderRepo().claim(
                        order.id, owner, models.utcnow(), 60):
                    wins.append(owner)
            finally:
                repositories.clear()

        threads = [threading.Thread(target=contend, args=("w%d" % i,))
                   for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(wins) == 1

    def test_expired_lease_moves_to_next_worker(self, database):
        project = repositories.ProjectRepo().get_or_create("lease")
        order = _order(project)
        repo = repositories.OrderRepo()
        now = models.utcnow()
        assert repo.claim(order.id, "first", now, 60)
        assert not repo.claim(order.id, "second", now, 60)
        assert repo.find_due(now, 10) == []

        later = now + datetime.timedelta(seconds=61)
        assert repo.find_due(later, 10) == [order.id]
        assert repo.claim(order.id, "second", later, 60)
        with pytest.raises(repositories.LeaseLost):
            repo.confirm_lease(order.id, "first", later)
        repositories.rollback()
        repo.confirm_lease(order.id, "second", later)

    def test_not_due_is_not_claimed(self, database):
        project = repositories.ProjectRepo().get_or_create("future")
        order = _order(project)
        repo = repositories.OrderRepo()
        past = models.utcnow() - datetime.timedelta(minutes=5)
        assert not repo.claim(order.id, "w", past, 60)
        assert repo.find_due(past, 10) == []
