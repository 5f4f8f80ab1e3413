"""What mock_server/swagger.py serves, over real HTTP: `/`, the contract with this mock as its
server, and the Swagger UI page (which holds no secret). The page itself is tested in Chromium
(tests/browser/test_swagger_ui.py)."""

from __future__ import annotations

import yaml

from tests.mock.conftest import Running, Start


def test_the_root_leads_to_the_admin_page(receiver: Running) -> None:
    response = receiver.client.get(receiver.base + "/")

    assert response.status_code == 307
    assert response.headers["location"] == "/__admin/"
    assert receiver.client.get(receiver.base + "/", follow_redirects=True).status_code == 200


def test_the_contract_is_served_with_this_mock_as_its_server(receiver: Running) -> None:
    as_json = receiver.client.get(receiver.base + "/openapi.json").json()
    as_yaml = yaml.safe_load(receiver.client.get(receiver.base + "/openapi.yaml").text)

    assert [s["url"] for s in as_json["servers"]] == [receiver.base]
    assert as_yaml == as_json
    assert as_json["paths"].keys() == {"/notifications"}


def test_the_server_is_the_address_the_client_used(receiver: Running) -> None:
    document = receiver.client.get(
        receiver.base + "/openapi.json", headers={"host": "mock.example:9000"}
    ).json()

    assert document["servers"][0]["url"] == "http://mock.example:9000"


def test_mock_info_says_whether_the_test_key_is_used_and_never_the_secret(start: Start) -> None:
    on_test_key = start().admin("/mock")
    own = start(secret="s3cret-value")
    on_own_secret = own.admin("/mock")
    page = own.client.get(own.base + "/ui/").text

    assert on_test_key["test_key"] is True
    assert on_own_secret["test_key"] is False
    assert on_own_secret["types"] == ["otp", "ticket_status", "bet_result"]
    assert "s3cret-value" not in str(on_own_secret) + page
    assert "swagger-ui-bundle.js" in page


def test_head_requests_get_the_headers_only(receiver: Running) -> None:
    for path, status in (("/", 307), ("/ui/", 200), ("/openapi.json", 200)):
        response = receiver.client.head(receiver.base + path)

        assert response.status_code == status, path
        assert response.content == b"", path
