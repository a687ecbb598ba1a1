"""Chart values have a documented range: huge ones are a 422 naming the field, the extremes render."""

import pytest


@pytest.mark.parametrize("values", [[1e308, 1e308], [-1.7e308, 1.0], [1e16, 0]])
def test_values_past_the_range_are_a_422(client, values):
    for body in ({"type": "bar", "labels": ["a", "b"], "values": values},
                 {"type": "line", "labels": ["a", "b"], "series": [{"name": "s", "values": values}]}):
        response = client.post("/ai/tools/chart", json=body)
        assert response.status_code == 422, response.get_json()
        assert "values" in str(response.get_json()["errors"])


@pytest.mark.parametrize("chart", ["bar", "line", "pie"])
def test_values_at_the_edge_of_the_range_render(client, chart):
    values = [1e15, 1e15] if chart == "pie" else [1e15, -1e15]
    response = client.post("/ai/tools/chart", json={"type": chart, "labels": ["a", "b"], "values": values})
    assert response.status_code == 201, response.get_json()
