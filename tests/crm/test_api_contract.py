"""The OpenAPI contract (/api/schema/) that later apps follow and integrations generate clients from
(issue 6 item 7). The generated client itself is tried in tests/api/test_generated_client.py."""

import re

import pytest

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")
ERROR_REF = {"$ref": "#/components/schemas/Error"}
CJK = re.compile(r"[\u3400-\u9fff]")


def fetch_schema(client, **headers) -> dict:
    response = client.get("/api/schema/?format=json", **headers)
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def schema(client):
    return fetch_schema(client)


def operations(schema):
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def parameter(schema, path, name):
    return next(p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == name)


def test_schema_is_the_same_whatever_the_readers_language(client, alice):
    english = fetch_schema(client, HTTP_ACCEPT_LANGUAGE="en")
    chinese = fetch_schema(client, HTTP_ACCEPT_LANGUAGE="zh-hans")
    alice.language = "zh-hans"
    alice.save()
    client.force_login(alice)
    signed_in = fetch_schema(client)
    assert english == chinese == signed_in
    names = list(english["components"]["schemas"])
    assert not [name for name in names if CJK.search(name) or not name.isascii()]
    # Titles (which generators turn into type names) are English.
    titles = re.findall(r'"title": "([^"]*)"', str(english).replace("'", '"'))
    assert titles and not [title for title in titles if CJK.search(title)]


def test_request_bodies_are_json_only(schema):
    bodies = [(path, method, op["requestBody"]["content"]) for path, method, op in operations(schema)
              if "requestBody" in op]
    assert len(bodies) >= 10
    assert [(path, method, list(content)) for path, method, content in bodies
            if list(content) != ["application/json"]] == []


def test_token_endpoint_needs_no_authentication(schema):
    token = schema["paths"]["/api/v1/auth/token/"]["post"]
    assert token["security"] == [{}]
    assert token["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/TokenCredentialsRequest"}
    assert schema["components"]["schemas"]["Token"]["required"] == ["expiry", "token"]
    assert set(token["responses"]) == {"200", "400", "429"}
    # Everything else needs a token or a session.
    others = [op for path, _, op in operations(schema) if path != "/api/v1/auth/token/"]
    assert others and all(op["security"] == [{"knoxApiToken": []}, {"cookieAuth": []}] for op in others)
    token_auth = schema["components"]["securitySchemes"]["knoxApiToken"]
    assert (token_auth["in"], token_auth["name"]) == ("header", "Authorization")
    assert 'prefix "Token"' in token_auth["description"]


def test_every_operation_documents_the_error_answers_with_one_component(schema):
    for path, method, op in operations(schema):
        if path == "/api/v1/auth/token/":
            continue
        codes = set(op["responses"])
        assert {"400", "401", "403", "404", "409"} <= codes, (path, method, codes)
        for code in ("400", "401", "403", "404", "409"):
            assert op["responses"][code]["content"] == {"application/json": {"schema": ERROR_REF}}, (path, method)
    error = schema["components"]["schemas"]["Error"]
    assert "required" not in error  # field errors come without `detail`
    assert error["properties"]["detail"]["type"] == "string"
    assert error["properties"]["errors"]["items"]["required"] == ["index", "field", "message"]
    assert error["additionalProperties"] == {}
    # No second error component, e.g. an old BulkErrors.
    assert not [name for name in schema["components"]["schemas"] if "Error" in name and name != "Error"]


def test_customer_shape_has_only_identity_fields_required(schema):
    customer = schema["components"]["schemas"]["Customer"]
    assert customer["required"] == sorted(["id", "code", "name", "short_name", "credit_code", "address", "phone",
                                           "stage", "region", "industry", "is_active"])
    assert not {"tier", "credit_grade", "owner", "team", "annual_revenue_target", "completeness"} & set(
        customer["required"])
    assert "identity fields only" in customer["description"]
    contact = schema["components"]["schemas"]["Contact"]
    personal = {"birth_date", "home_address", "hobbies"} & set(contact["properties"])
    assert personal and not personal & set(contact["required"])  # only for those who may see them
    assert {"id", "name", "customer", "phone", "is_primary"} <= set(contact["required"])


def test_enums_have_fixed_names(schema):
    schemas = schema["components"]["schemas"]
    assert schemas["GradeEnum"]["enum"] == ["A", "B", "C", "D"]
    assert schemas["StageEnum"]["enum"] == ["lead", "prospect", "customer", "lost", "discarded"]
    assert schemas["ServiceTypeEnum"]["enum"] == ["transport", "warehousing", "distribution", "customs", "other"]
    customer = schemas["Customer"]["properties"]
    for name in ("tier", "credit_grade"):
        assert {"$ref": "#/components/schemas/GradeEnum"} in customer[name]["oneOf"], name
        assert customer[name]["readOnly"] is True
    assert customer["stage"] == {"$ref": "#/components/schemas/StageEnum"} or \
        customer["stage"].get("allOf") == [{"$ref": "#/components/schemas/StageEnum"}]
    service_type = schemas["BusinessRecordInputRequest"]["properties"]["service_type"]
    assert service_type["anyOf"][0] == {"$ref": "#/components/schemas/ServiceTypeEnum"}
    assert re.fullmatch(service_type["anyOf"][1]["pattern"], "transport.sea")
    assert not re.fullmatch(service_type["anyOf"][1]["pattern"], "teleport")
    assert schemas["BusinessRecord"]["properties"]["service_category"]["allOf"] == [
        {"$ref": "#/components/schemas/ServiceTypeEnum"}] or schemas["BusinessRecord"]["properties"][
        "service_category"].get("$ref") == "#/components/schemas/ServiceTypeEnum"
    # Query parameters refer to the same enums instead of inline ones named after the operation.
    for name, enum in (("stage", "StageEnum"), ("tier", "GradeEnum"), ("credit_grade", "GradeEnum")):
        assert parameter(schema, "/api/v1/customers/", name)["schema"] == {"$ref": f"#/components/schemas/{enum}"}


def test_id_filters_are_integers_and_limits_are_constraints(schema):
    for path, name in (("/api/v1/customers/", "owner"), ("/api/v1/customers/", "team"),
                       ("/api/v1/customers/", "route"), ("/api/v1/business-records/", "customer")):
        assert parameter(schema, path, name)["schema"] == {"type": "integer", "minimum": 1,
                                                           "maximum": 2**63 - 1}, (path, name)
    page_size = parameter(schema, "/api/v1/customers/", "page_size")["schema"]
    assert (page_size["type"], page_size["minimum"], page_size["maximum"], page_size["default"]) == (
        "integer", 1, 200, 50)
    bulk = schema["paths"]["/api/v1/business-records/bulk/"]["post"]["requestBody"]["content"]["application/json"]
    assert bulk["schema"]["type"] == "array" and bulk["schema"]["maxItems"] == 5000
    assert bulk["schema"]["items"] == {"$ref": "#/components/schemas/BusinessRecordInputRequest"}
    code = parameter(schema, "/api/v1/customers/", "code")
    assert code["schema"] == {"type": "string"} and "Exactly" in code["description"]


def test_bulk_answers_are_documented(schema):
    responses = schema["paths"]["/api/v1/business-records/bulk/"]["post"]["responses"]
    assert responses["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/BulkResult"}
    assert responses["201"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/BulkResult"}
    assert "errors" in responses["400"]["description"]


def test_schema_generates_without_warnings(tmp_path):
    """drf-spectacular has nothing to guess (a warning means a field or view it could not type)."""
    from django.core.management import call_command

    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--lang", "en", "--fail-on-warn", "--file", str(target))
    text = target.read_text(encoding="utf-8")
    assert "/api/v1/business-records/bulk/" in text and "GradeEnum" in text
