"""The scaled deployment: PostgreSQL, RabbitMQ, one API, two workers."""

import re
import uuid

import sqlalchemy as sa

from tests.functional.harness import Service

ORDERS = 30


class TestScaledDeployment:
    def test_two_workers_process_every_order_once(self, tmp_path,
                                                  pg_schema_url,
                                                  transport_url):
        service = Service(str(tmp_path), {
            "DEFAULT": {"transport_url": transport_url,
                        "control_exchange": "test_" + uuid.uuid4().hex},
            "database": {"connection": pg_schema_url},
            "api": {"workers": 2},
        })
        service.start()
        workers = [service.add_worker(), service.add_worker()]
        engine = sa.create_engine(pg_schema_url)
        try:
            client = service.client("scaled")
            refs = []
            for i in range(ORDERS):
                if i % 3:
                    refs.append(client.create_order("asymmetric", {
                        "algorithm": "ec", "bit_length": 256}))
                else:
                    refs.append(client.create_order("key", {
                        "algorithm": "aes", "bit_length": 256}))
            bodies = [client.wait_order(ref) for ref in refs]
            assert [b["status"] for b in bodies] == ["ACTIVE"] * ORDERS

            with engine.connect() as conn:
                attempts = conn.execute(sa.text(
                    "SELECT attempts FROM orders")).scalars().all()
                containers = conn.scalar(sa.text(
                    "SELECT count(*) FROM containers"))
                secrets = conn.scalar(sa.text(
                    "SELECT count(*) FROM secrets"))
            asymmetric = sum(1 for i in range(ORDERS) if i % 3)
            assert attempts == [1] * ORDERS
            assert containers == asymmetric
            assert secrets == 2 * asymmetric + (ORDERS - asymmetric)
        finally:
            service.stop()
            engine.dispose()

        # Each order was finished by exactly one worker, never the API.
        finished = re.findall(r"Order ([0-9a-f-]{36}) is now ACTIVE",
                              "\n".join(w.log() for w in workers))
        assert sorted(finished) == sorted(r.rsplit("/", 1)[1] for r in refs)
        assert "is now ACTIVE" not in service.api.log()
