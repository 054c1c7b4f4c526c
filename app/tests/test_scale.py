"""Cost that grows with the input: one request's work, one answer's size."""
import json
import sys
from urllib.parse import parse_qs, urlsplit

import pytest

from users_api import pages, validation
from users_api.errors import APIError

BODY_LIMIT = 1024 * 1024


class CountedInt(int):
    """An int whose comparisons are Python calls, so a profiler counts them
    (list.count and friends compare in C, out of a profiler's sight)."""

    def __eq__(self, other):
        return int.__eq__(self, other)

    __hash__ = int.__hash__


class WorkBudget(Exception):
    pass


def calls_made(action, budget):
    """Python and C function calls made by `action`; stops it (raising
    WorkBudget) once it passes `budget`, so quadratic work fails fast."""
    count = 0

    def profile(frame, event, arg):
        nonlocal count
        if event in ("call", "c_call"):
            count += 1
            if count > budget:
                raise WorkBudget(f"more than {budget} calls")

    sys.setprofile(profile)
    try:
        action()
    finally:
        sys.setprofile(None)
    return count


def users_body(count):
    return json.dumps([{"id": i} for i in range(count)]).encode()


def test_a_list_create_near_the_body_limit_does_work_linear_in_its_size(client, users, monkeypatch):
    # Ids arrive as CountedInt, as if the JSON parser made them.
    monkeypatch.setattr(validation.json, "loads", lambda raw, **kw: json.JSONDecoder(parse_int=CountedInt, **kw)
                        .decode(raw.decode()))
    largest = BODY_LIMIT // 14
    while len(users_body(largest)) > BODY_LIMIT:
        largest -= 500
    assert len(users_body(largest + 1000)) > BODY_LIMIT, "near the limit"

    def post(count):
        response = client.post("/api/v1/users", data=users_body(count), content_type="application/json")
        assert response.status_code == 201, response.data[:200]
        users.drop()

    # A linear request costs a few dozen calls per user; a quadratic one passes
    # the budget within its first few thousand users.
    quarter = calls_made(lambda: post(largest // 4), budget=100 * largest)
    full = calls_made(lambda: post(largest), budget=100 * largest)
    assert full < 4.5 * quarter, f"{largest // 4} users: {quarter} calls; {largest} users: {full} calls"


def test_repeated_ids_are_found_with_one_count():
    body = [{"id": CountedInt(i)} for i in range(20000)] + [{"id": CountedInt(7)}]
    outcome = []

    def validate():
        try:
            validation.new_users(body)
        except APIError as err:
            outcome.append(err.code)

    assert calls_made(validate, budget=20 * len(body)) < 20 * len(body)
    assert outcome == ["duplicate_id"]


def test_the_409_for_a_long_list_names_a_bounded_number_of_ids(client):
    body = [{"id": i} for i in range(1000)] * 2
    response = client.post("/api/v1/users", json=body)
    assert response.status_code == 409
    assert len(response.json["error"]["message"]) < 200 and "990 more" in response.json["error"]["message"]


def follow(client, url):
    """Every page from `url` on: (users in order, the pages' sizes)."""
    seen, sizes = [], []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.data
        seen += response.json
        sizes.append(len(response.json))
        link = response.headers.get("Link")
        url = link[1:link.index(">")] if link else None
        if link:
            assert link.endswith('>; rel="next"')
    return seen, sizes


def test_the_list_comes_in_bounded_pages_that_link_to_the_next(client):
    assert client.post("/api/v1/users", json=[{"id": i, "team": "dev" if i % 2 else "ops"}
                                              for i in range(250)]).status_code == 201
    seen, sizes = follow(client, "/api/v1/users")
    assert sizes == [100, 100, 50]
    assert sorted(u["id"] for u in seen) == list(range(250)), "every user exactly once"
    seen, sizes = follow(client, "/api/v1/users?team=dev&_limit=40")
    assert sizes == [40, 40, 40, 5] and {u["team"] for u in seen} == {"dev"} and len(seen) == 125


def test_the_next_link_keeps_filters_and_the_page_size(client):
    client.post("/api/v1/users", json=[{"id": i, "team": "ops"} for i in range(3)])
    link = client.get("/api/v1/users?team=ops&_limit=2").headers["Link"]
    query = parse_qs(urlsplit(link[1:link.index(">")]).query)
    assert query["team"] == ["ops"] and query["_limit"] == ["2"] and len(query["_after"][0]) == 24


def test_the_last_page_has_no_next_link(client):
    client.post("/api/v1/users", json=[{"id": i} for i in range(3)])
    assert "Link" not in client.get("/api/v1/users?_limit=3").headers


def test_users_created_between_pages_do_not_shift_them(client):
    client.post("/api/v1/users", json=[{"id": i} for i in range(4)])
    first = client.get("/api/v1/users?_limit=2")
    client.post("/api/v1/users", json={"id": 99})
    link = first.headers["Link"]
    rest, _ = follow(client, link[1:link.index(">")])
    assert [u["id"] for u in first.json + rest] == [0, 1, 2, 3, 99]


@pytest.mark.parametrize("query", ["_limit=0", "_limit=1001", "_limit=ten", "_after=nope"])
def test_bad_page_parameters_are_400(client, query):
    response = client.get(f"/api/v1/users?{query}")
    assert response.status_code == 400 and response.json["error"]["code"] == "invalid_value"


def test_a_page_also_stops_at_its_byte_budget(client, monkeypatch):
    monkeypatch.setattr(pages, "MAX_PAGE_BYTES", 50_000)
    client.post("/api/v1/users", json=[{"id": i, "bio": "x" * 20_000} for i in range(5)])
    seen, sizes = follow(client, "/api/v1/users")
    assert sizes == [2, 2, 1] and [u["id"] for u in seen] == [0, 1, 2, 3, 4]


def test_a_single_user_larger_than_the_budget_still_comes(client, monkeypatch):
    monkeypatch.setattr(pages, "MAX_PAGE_BYTES", 1_000)
    client.post("/api/v1/users", json={"id": 1, "bio": "x" * 5_000})
    assert [u["id"] for u in client.get("/api/v1/users").json] == [1]
