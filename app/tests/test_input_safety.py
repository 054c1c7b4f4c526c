"""Bad or hostile input gets a clear 4xx JSON answer and never changes data."""
import pytest

from .conftest import settings_with


def create(client, body):
    return client.post("/api/v1/users", json=body)


def assert_error(response, status, code):
    assert response.status_code == status, response.data
    assert response.is_json
    assert response.json["error"]["code"] == code
    assert response.json["error"]["message"]
    assert b"Traceback" not in response.data


@pytest.fixture
def ana(client):
    assert create(client, {"id": 1, "name": "Ana", "role": "user"}).status_code == 201


def test_where_in_query_string_is_rejected(client, ana):
    assert_error(client.get("/api/v1/users?$where=sleep(1000)"), 400, "invalid_key")


def test_operator_key_in_query_string_is_rejected(client, ana):
    assert_error(client.get("/api/v1/users?$or=1"), 400, "invalid_key")


def test_nul_in_query_key_is_rejected(client, ana):
    assert_error(client.get("/api/v1/users?na%00me=Ana"), 400, "invalid_key")


def test_where_in_a_created_document_is_rejected_and_nothing_stored(client, users):
    assert_error(create(client, {"id": 2, "$where": "sleep(1000)"}), 400, "invalid_key")
    assert users.count_documents({}) == 0


@pytest.mark.parametrize("document", [
    {"id": 2, "profile": {"$gt": ""}},
    {"id": 2, "tags": [{"ok": 1}, {"$ne": 1}]},
    {"id": 2, "deep": {"a": {"b": {"$where": "x"}}}},
    {"id": 2, "bad\u0000key": 1},
])
def test_operator_or_nul_key_at_any_depth_is_rejected(client, users, document):
    assert_error(create(client, document), 400, "invalid_key")
    assert users.count_documents({}) == 0


def test_rename_in_an_update_is_rejected_and_data_unchanged(client, users, ana):
    before = users.find_one({"id": 1})
    assert_error(client.post("/api/v1/users/1", json={"$rename": {"name": "nome"}}), 400, "invalid_update")
    assert users.find_one({"id": 1}) == before


@pytest.mark.parametrize("body", [
    {"name": "replacement"},
    {"$set": {"name": "x"}, "$unset": {"role": ""}},
    {"$set": {}},
    {"$set": "name"},
    {"$set": {"$where": "x"}},
    {"$set": {"profile": {"$gt": 1}}},
    {"$set": {"_id": "abc"}},
    {"$set": {"id": "one"}},
    [{"$set": {"name": "x"}}],
])
def test_update_must_be_exactly_one_safe_set(client, users, ana, body):
    before = users.find_one({"id": 1})
    response = client.post("/api/v1/users/1", json=body)
    assert response.status_code == 400
    assert response.json["error"]["code"] in {"invalid_update", "invalid_key", "invalid_id"}
    assert users.find_one({"id": 1}) == before


@pytest.mark.parametrize("method,url", [
    ("post", "/api/v1/users/abc"),
    ("post", "/api/v1/users/1.5"),
    ("delete", "/api/v1/users/abc"),
    ("delete", "/api/v1/users/99999999999999999999999"),
])
def test_path_id_that_is_not_an_integer_is_400(client, method, url):
    response = getattr(client, method)(url, json={"$set": {"a": 1}})
    assert_error(response, 400, "invalid_id")


@pytest.mark.parametrize("data,code", [
    (b"{not json", "invalid_json"),
    (b"", "empty_body"),
    (b"   ", "empty_body"),
    (b"NaN", "invalid_json"),
    (b'"just a string"', "invalid_body"),
    (b"42", "invalid_body"),
    (b"[]", "invalid_body"),
    (b'[{"id": 2}, 3]', "invalid_body"),
    (b'{"name": "no id"}', "invalid_id"),
    (b'{"id": "2"}', "invalid_id"),
    (b'{"id": true}', "invalid_id"),
    (b'{"id": 2, "_id": "mine"}', "invalid_key"),
    (b'{"id": 99999999999999999999999}', "invalid_id"),
    (b"[" * 100000 + b"]" * 100000, "invalid_json"),
])
def test_bad_create_bodies_are_400_json(client, users, data, code):
    response = client.post("/api/v1/users", data=data, content_type="application/json")
    assert_error(response, 400, code)
    assert users.count_documents({}) == 0


def test_update_with_bad_json_is_400(client, ana):
    response = client.post("/api/v1/users/1", data=b"{oops", content_type="application/json")
    assert_error(response, 400, "invalid_json")


def test_body_over_the_limit_is_413_json(app, client, users):
    limit = app.config["MAX_BODY_BYTES"]
    assert limit == 1024 * 1024
    body = b'{"id": 2, "blob": "' + b"x" * limit + b'"}'
    assert_error(client.post("/api/v1/users", data=body, content_type="application/json"), 413, "payload_too_large")
    assert users.count_documents({}) == 0


def test_the_limit_is_configurable(mongo_uri, database_name):
    from users_api import create_app

    small = create_app(settings_with(MONGO_URI=mongo_uri, MONGO_DATABASE=database_name, MAX_BODY_BYTES=64))
    response = small.test_client().post("/api/v1/users", json={"id": 1, "blob": "x" * 100})
    assert_error(response, 413, "payload_too_large")


def test_duplicate_id_is_409(client, users, ana):
    assert_error(create(client, {"id": 1, "name": "Other"}), 409, "duplicate_id")
    assert users.count_documents({"id": 1}) == 1


def test_list_colliding_with_a_stored_id_writes_nothing(client, users, ana):
    assert_error(create(client, [{"id": 2}, {"id": 1}, {"id": 3}]), 409, "duplicate_id")
    assert sorted(u["id"] for u in users.find()) == [1]


def test_list_repeating_an_id_writes_nothing(client, users):
    assert_error(create(client, [{"id": 5}, {"id": 6}, {"id": 5}]), 409, "duplicate_id")
    assert users.count_documents({}) == 0


def test_update_to_a_taken_id_is_409(client, users, ana):
    create(client, {"id": 2, "name": "Rui"})
    assert_error(client.post("/api/v1/users/2", json={"$set": {"id": 1}}), 409, "duplicate_id")
    assert users.find_one({"name": "Rui"})["id"] == 2


def test_id_index_is_unique_and_made_by_the_start_up_hook(app, users):
    from users_api import database

    database.prepare(app)
    unique = [spec for spec in users.index_information().values() if spec.get("key") == [("id", 1)]]
    assert unique and unique[0].get("unique") is True


def test_index_creation_is_idempotent(mongo_uri, database_name, users):
    from users_api import create_app, database

    for _ in range(2):
        database.prepare(create_app(settings_with(MONGO_URI=mongo_uri, MONGO_DATABASE=database_name)))
    assert len([s for s in users.index_information().values() if s.get("key") == [("id", 1)]]) == 1


@pytest.mark.parametrize("changes", [
    {"": "x"},
    {"a..b": "x"},
    {"name.": "x"},
    {".name": "x"},
    {"id.x": 5},
    {"_id.x": 5},
    {"profile.$where": "x"},
    {"a": 1, "a.b": 2},
    {"a.b.c": 1, "a.b": 2},
    {"profile": {"a.b": 1}},
])
def test_set_paths_that_mongodb_refuses_are_400_and_change_nothing(client, users, ana, changes):
    before = users.find_one({"id": 1})
    response = client.post("/api/v1/users/1", json={"$set": changes})
    assert response.status_code == 400, response.data
    assert response.json["error"]["code"] in {"invalid_key", "invalid_update"}
    assert users.find_one({"id": 1}) == before


def test_set_paths_that_only_touch_siblings_are_fine(client, users, ana):
    response = client.post("/api/v1/users/1", json={"$set": {"a.b": 1, "a.c": 2, "a-x": 3, "ab": 4}})
    assert response.status_code == 200, response.data
    stored = users.find_one({"id": 1})
    assert (stored["a"], stored["a-x"], stored["ab"]) == ({"b": 1, "c": 2}, 3, 4)


def test_a_path_through_a_field_that_is_not_an_object_is_400(client, users, ana):
    before = users.find_one({"id": 1})
    assert_error(client.post("/api/v1/users/1", json={"$set": {"name.first": "Ana"}}), 400, "invalid_update")
    assert users.find_one({"id": 1}) == before


def test_a_dotted_key_in_a_new_user_is_400(client, users):
    assert_error(create(client, {"id": 2, "profile": {"city.name": "Porto"}}), 400, "invalid_key")
    assert users.count_documents({}) == 0


@pytest.mark.parametrize("url", ["/api/v1/users/12%0A", "/api/v1/users/%2B12", "/api/v1/users/1e3"])
def test_path_ids_follow_the_strict_integer_rule(client, ana, url):
    assert_error(client.delete(url), 400, "invalid_id")


@pytest.mark.parametrize("query", ["id=12%0A", "id=abc", "id=99999999999999999999"])
def test_an_id_filter_that_is_no_integer_is_400(client, ana, query):
    assert_error(client.get(f"/api/v1/users?{query}"), 400, "invalid_id")


def test_filter_paths_follow_mongodb_rules(client, ana):
    assert_error(client.get("/api/v1/users?a..b=1"), 400, "invalid_key")
    assert_error(client.get("/api/v1/users?name.=1"), 400, "invalid_key")
