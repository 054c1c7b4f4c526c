"""The public contract that XPTO's clients depend on."""
import re

HEX_ID = re.compile(r"^[0-9a-f]{24}$")


def create(client, body):
    return client.post("/api/v1/users", json=body)


def test_welcome_names_the_api_and_its_version(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.is_json
    assert "Welcome" in response.json["message"]
    assert re.match(r"^\d+\.\d+\.\d+$", response.json["version"])


def test_empty_collection_lists_as_empty_json_list(client):
    response = client.get("/api/v1/users")
    assert response.status_code == 200
    assert response.json == []


def test_create_one_returns_201_and_the_new_id(client, users):
    response = create(client, {"id": 1, "name": "Ana", "email": "ana@xpto.example"})
    assert response.status_code == 201
    assert HEX_ID.match(response.json)
    stored = users.find_one({"id": 1})
    assert str(stored["_id"]) == response.json
    assert stored["name"] == "Ana"


def test_create_list_returns_201_and_the_new_ids_in_order(client, users):
    response = create(client, [{"id": 1, "name": "Ana"}, {"id": 2, "name": "Rui"}])
    assert response.status_code == 201
    assert len(response.json) == 2 and all(HEX_ID.match(i) for i in response.json)
    assert [str(users.find_one({"id": i})["_id"]) for i in (1, 2)] == response.json


def test_list_returns_every_user_with_id_as_hex_string(client):
    ids = create(client, [{"id": 1, "name": "Ana"}, {"id": 2, "name": "Rui"}]).json
    response = client.get("/api/v1/users")
    assert response.status_code == 200
    assert sorted(u["_id"] for u in response.json) == sorted(ids)
    assert {u["name"] for u in response.json} == {"Ana", "Rui"}


def test_id_representation_is_the_same_in_create_and_read(client):
    created = create(client, {"id": 7, "name": "Eva"}).json
    assert client.get("/api/v1/users?id=7").json[0]["_id"] == created


def test_filter_by_field(client):
    create(client, [{"id": 1, "name": "Ana", "team": "ops"}, {"id": 2, "name": "Rui", "team": "dev"}])
    response = client.get("/api/v1/users?team=dev")
    assert response.status_code == 200
    assert [u["name"] for u in response.json] == ["Rui"]


def test_filter_value_of_digits_compares_as_integer(client):
    create(client, [{"id": 1, "name": "Ana"}, {"id": 12, "name": "Rui"}])
    response = client.get("/api/v1/users?id=12")
    assert response.status_code == 200
    assert [u["name"] for u in response.json] == ["Rui"]


def test_a_value_of_digits_finds_text_and_numbers_alike(client):
    create(client, [{"id": 1, "name": "123"}, {"id": 2, "name": 123}, {"id": 3, "name": "Ana"},
                    {"id": 4, "zip": "007"}, {"id": 5, "zip": 7}, {"id": 6, "zip": "7"}])
    assert sorted(u["id"] for u in client.get("/api/v1/users?name=123").json) == [1, 2]
    assert sorted(u["id"] for u in client.get("/api/v1/users?zip=007").json) == [4, 5]
    assert sorted(u["id"] for u in client.get("/api/v1/users?zip=7").json) == [5, 6]


def test_negative_numbers_filter_by_the_same_rule_as_path_ids(client):
    create(client, [{"id": -5, "name": "Neg", "delta": -3}, {"id": 5, "name": "Pos", "delta": "-3"}])
    assert [u["name"] for u in client.get("/api/v1/users?id=-5").json] == ["Neg"]
    assert sorted(u["name"] for u in client.get("/api/v1/users?delta=-3").json) == ["Neg", "Pos"]
    assert client.delete("/api/v1/users/-5").status_code == 204


def test_a_trailing_newline_is_not_an_integer(client):
    create(client, [{"id": 1, "code": 12}, {"id": 2, "code": "12\n"}])
    assert [u["id"] for u in client.get("/api/v1/users?code=12%0A").json] == [2]


def test_filter_with_several_pairs_matches_all_of_them(client):
    create(client, [{"id": 1, "name": "Ana", "team": "ops"}, {"id": 2, "name": "Ana", "team": "dev"}])
    response = client.get("/api/v1/users?name=Ana&team=dev")
    assert [u["id"] for u in response.json] == [2]


def test_filter_that_matches_nothing_is_404_json(client):
    create(client, {"id": 1, "name": "Ana"})
    response = client.get("/api/v1/users?name=Nobody")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_update_with_set_changes_the_user(client, users):
    create(client, {"id": 1, "name": "Ana"})
    response = client.post("/api/v1/users/1", json={"$set": {"name": "Ana Maria", "team": "ops"}})
    assert response.status_code == 200
    stored = users.find_one({"id": 1})
    assert (stored["name"], stored["team"]) == ("Ana Maria", "ops")


def test_update_that_sets_the_same_values_is_still_200(client):
    create(client, {"id": 1, "name": "Ana"})
    assert client.post("/api/v1/users/1", json={"$set": {"name": "Ana"}}).status_code == 200


def test_update_of_missing_user_is_404(client):
    response = client.post("/api/v1/users/99", json={"$set": {"name": "x"}})
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_delete_returns_204_and_removes_the_user(client, users):
    create(client, {"id": 1, "name": "Ana"})
    response = client.delete("/api/v1/users/1")
    assert response.status_code == 204
    assert response.data == b""
    assert users.count_documents({"id": 1}) == 0


def test_delete_of_missing_user_is_404(client):
    response = client.delete("/api/v1/users/99")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_unknown_route_is_404_json_message(client):
    response = client.get("/api/v2/nothing-here")
    assert response.status_code == 404
    assert response.is_json
    assert response.json["error"]["code"] == "not_found"
    assert "not supported" in response.json["error"]["message"]


def test_wrong_method_is_json_too(client):
    response = client.put("/api/v1/users")
    assert response.status_code == 405
    assert response.json["error"]["code"] == "method_not_allowed"


def test_405_names_the_allowed_methods(client):
    for url, allowed in (("/api/v1/users", {"GET", "POST"}), ("/api/v1/users/1", {"POST", "DELETE"})):
        response = client.put(url)
        assert response.status_code == 405
        assert allowed <= {m.strip() for m in response.headers.get("Allow", "").split(",")}, response.headers


def test_no_response_carries_mongo_extended_json(client):
    create(client, [{"id": 1, "name": "Ana"}, {"id": 2, "name": "Rui"}])
    for url in ("/api/v1/users", "/api/v1/users?id=1"):
        assert b"$oid" not in client.get(url).data
