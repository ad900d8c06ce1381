"""Travel models of the assignment: the haversine default, its matrix form, the precomputed-matrix hook."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from routing.travel import HaversineTravel, MatrixTravel, great_circle_matrix_m, haversine_m

lats = arrays(np.float64, st.integers(1, 6), elements=st.floats(-60.0, 60.0))


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_the_matrix_form_agrees_with_haversine_pair_by_pair(data: st.DataObject) -> None:
    a_lat = data.draw(lats)
    a_lon = data.draw(arrays(np.float64, a_lat.size, elements=st.floats(-179.0, 179.0)))
    b_lat = data.draw(lats)
    b_lon = data.draw(arrays(np.float64, b_lat.size, elements=st.floats(-179.0, 179.0)))
    matrix = great_circle_matrix_m(a_lat, a_lon, b_lat, b_lon)
    pairwise = haversine_m(a_lat[:, None], a_lon[:, None], b_lat[None, :], b_lon[None, :])
    assert matrix.shape == (a_lat.size, b_lat.size)
    np.testing.assert_allclose(matrix, pairwise, atol=0.5)  # the chord form loses ~0.1 m near 0


def test_one_degree_of_latitude_is_about_111_km_and_drives_at_the_configured_speed() -> None:
    travel = HaversineTravel(circuity=1.5, speed_mps=10.0, startup_s=30.0)
    seconds = travel.eta_matrix(np.array([40.0]), np.array([-105.0]), np.array([41.0]), np.array([-105.0]))
    metres = haversine_m(np.array(40.0), np.array(-105.0), np.array(41.0), np.array(-105.0))
    assert 111_000 < float(metres) < 111_400
    assert np.isclose(seconds[0, 0], 30.0 + float(metres) * 1.5 / 10.0)
    pairs = travel.eta_pairs(np.array([40.0]), np.array([-105.0]), np.array([41.0]), np.array([-105.0]))
    assert np.isclose(pairs[0], seconds[0, 0])


def test_a_precomputed_matrix_is_used_between_known_sites_and_haversine_elsewhere() -> None:
    sites_lat, sites_lon = np.array([40.0, 40.5]), np.array([-105.0, -105.0])
    seconds = np.array([[0.0, 1234.0], [1300.0, 0.0]])
    travel = MatrixTravel(sites_lat, sites_lon, seconds, snap_m=500.0)
    near_site_0 = (40.001, -105.0)  # ~110 m from site 0
    far_from_sites = (40.25, -105.3)
    result = travel.eta_matrix(
        np.array([near_site_0[0], far_from_sites[0]]),
        np.array([near_site_0[1], far_from_sites[1]]),
        np.array([40.5]),
        np.array([-105.0]),
    )
    assert result[0, 0] == 1234.0
    fallback = HaversineTravel().eta_pairs(
        np.array([far_from_sites[0]]), np.array([far_from_sites[1]]), np.array([40.5]), np.array([-105.0])
    )
    assert np.isclose(result[1, 0], fallback[0])
    pairs = travel.eta_pairs(np.array([40.5]), np.array([-105.0]), np.array([40.0]), np.array([-105.0]))
    assert pairs[0] == 1300.0
