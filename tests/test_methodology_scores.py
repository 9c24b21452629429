"""§3 hasil kerja, §4 perilaku, §5 nilai akhir and predikat, §6 IKM, §8 awards and calibration."""
from datetime import date

import numpy as np
import pandas as pd
import pytest

from kinerja.methodology import score_period
from kinerja.methodology.awards import award_candidates, calibration_flags, supervisor_leniency, training_needs
from kinerja.methodology.hasil_kerja import capaian
from kinerja.methodology.ikm import ikm_grade, ikm_scores, survey_totals
from kinerja.methodology.nilai_akhir import NOT_RATED_REASONS, PREDIKAT_MATRIX, predikat, rate_employees
from kinerja.methodology.perilaku import perilaku_scores, rater_type_scores
from kinerja.periods import Period
from tests.test_methodology_support import (NIP_A, NIP_SUP, POLICY, assignment, employee, feedback_rows, frame,
                                            holidays, inputs)

Q1 = Period.quarter(2026, 1)
YEAR = Period.of_year(2026)


def ind(i, direction="higher", aggregation="sum"):
    return {"indicator_id": i, "name": i, "uom": "x", "direction": direction, "aggregation": aggregation}


def tgt(i, q, target, weight=100, nip=NIP_A, year=2026):
    return {"nip": nip, "indicator_id": i, "year": year, "quarter": q, "target": target, "weight": weight}


def act(i, d, qty, nip=NIP_A, status="approved"):
    return {"activity_id": f"{nip}{i}{d}{qty}{status}", "nip": nip, "activity_date": d, "indicator_id": i,
            "quantity": qty, "status": status}


def indicator_rows(period=Q1, cutoff=date(2026, 12, 31), emp=None, **tables):
    data = inputs(holidays=holidays(), employees=[emp or employee()], assignments=[assignment()], **tables)
    return score_period(data, period, cutoff, POLICY).indicator_scores.set_index("indicator_id")


# --- §3 hasil kerja -------------------------------------------------------------------------------------------

def test_sum_target_is_prorated_per_quarter_and_mean_target_is_not():
    # active from 2 Feb: Q1 has 58 working days, 38 of them from 2 Feb (Feb 19 + Mar 19)
    r = indicator_rows(emp=employee(active_from="2026-02-02"),
                       indicators=[ind("S"), ind("M", "lower", "mean")],
                       targets=[tgt("S", 1, 58), tgt("M", 1, 20)],
                       activities=[act("S", "2026-01-20", 100), act("S", "2026-02-03", 38),
                                   act("M", "2026-02-03", 20)])
    assert r.loc["S", "target_effective"] == pytest.approx(38.0, abs=1e-9)
    assert r.loc["S", "realisasi"] == 38 and r.loc["S", "capaian"] == pytest.approx(100.0, abs=1e-9)
    assert r.loc["M", "target_effective"] == 20 and r.loc["M", "capaian"] == pytest.approx(100.0, abs=1e-9)


def test_year_target_sums_quarters_and_mean_averages_quarters_with_a_target():
    r = indicator_rows(period=YEAR, cutoff=date(2027, 1, 5), indicators=[ind("S"), ind("M", "higher", "mean")],
                       targets=[tgt("S", q, 10, 25) for q in (1, 2, 3, 4)] + [tgt("M", 1, 10, 50), tgt("M", 3, 20, 50)],
                       activities=[act("M", "2026-01-10", 15), act("M", "2026-05-10", 99), act("M", "2026-08-10", 15)])
    assert r.loc["S", "target_effective"] == 40 and r.loc["S", "weight"] == 100
    assert r.loc["S", "realisasi"] == 0 and r.loc["S", "capaian"] == 0
    # M: target mean(10, 20) = 15; the May activity is in Q2 which has no target -> ignored
    assert r.loc["M", "target_effective"] == 15 and r.loc["M", "realisasi"] == 15 and r.loc["M", "weight"] == 100


def test_quarters_after_the_cutoff_prorate_to_zero():
    r = indicator_rows(period=YEAR, cutoff=date(2026, 5, 15), indicators=[ind("S")],
                       targets=[tgt("S", q, 10) for q in (1, 2, 3, 4)], activities=[act("S", "2026-02-01", 30)])
    assert r.loc["S", "target_effective"] == 20 and r.loc["S", "capaian"] == 120  # capped


def test_realisasi_only_between_active_from_and_min_active_to_cutoff():
    r = indicator_rows(cutoff=date(2026, 3, 10), emp=employee(active_from="2026-01-10", active_to="2026-03-20"),
                       indicators=[ind("S")], targets=[tgt("S", 1, 10)],
                       activities=[act("S", "2026-01-09", 1), act("S", "2026-01-10", 2), act("S", "2026-01-11", 4),
                                   act("S", "2026-03-10", 8), act("S", "2026-03-11", 16),
                                   act("S", "2026-02-01", 32, status="pending")])
    assert r.loc["S", "realisasi"] == 14  # 10 Jan (Sat) and 11 Jan (Sun) count: calendar dates


def test_mean_indicator_without_activity_has_null_realisation_and_capaian():
    r = indicator_rows(indicators=[ind("M", aggregation="mean")], targets=[tgt("M", 1, 10)])
    assert np.isnan(r.loc["M", "realisasi"]) and np.isnan(r.loc["M", "capaian"])


@pytest.mark.parametrize("direction, realisasi, expected", [
    ("higher", 33, 110.0), ("higher", 60, 120.0), ("lower", 26, 70.0), ("lower", 45, 0.0), ("lower", 10, 120.0),
    ("lower", 0, 120.0), ("higher", np.nan, np.nan)])
def test_capaian_higher_lower_floor_and_cap(direction, realisasi, expected):
    target = 30 if direction == "higher" else 20
    got = capaian([realisasi], [target], [direction], 120.0)[0]
    assert (np.isnan(got) and np.isnan(expected)) or got == pytest.approx(expected, abs=1e-9)


def test_capaian_is_null_when_target_effective_is_zero():
    assert np.isnan(capaian([5.0], [0.0], ["higher"], 120.0)[0])


def test_hasil_kerja_rating_boundary_uses_rounding_to_9_decimals():
    r = indicator_rows(indicators=[ind("S")], targets=[tgt("S", 1, 20)], activities=[act("S", "2026-01-05", 18)])
    assert r.loc["S", "capaian"] == pytest.approx(90.0)
    data = inputs(holidays=holidays(), employees=[employee()], assignments=[assignment()], indicators=[ind("S")],
                  targets=[tgt("S", 1, 20)], activities=[act("S", "2026-01-05", 18)])
    e = score_period(data, Q1, date(2026, 4, 5), POLICY).employee_scores.iloc[0]
    assert e["hasil_kerja_rating"] == "sesuai"  # 100 × 18 / 20 meets 90


# --- §4 perilaku ----------------------------------------------------------------------------------------------

def type_stats(rows):
    return pd.DataFrame(rows, columns=["ratee_nip", "rater_type", "raters", "ratings", "score_sum"])


def perilaku_of(rows, policy=POLICY):
    rts = rater_type_scores(type_stats(rows), Q1, policy)
    return perilaku_scores(rts, policy).set_index("nip").iloc[0], rts


def test_type_below_min_raters_is_dropped_and_the_rest_reweighted():
    p, rts = perilaku_of([("A", "supervisor", 1, 5, 20), ("A", "peer", 1, 5, 10), ("A", "public", 5, 5, 25)])
    assert rts.set_index("rater_type").loc["peer", "kept"] == 0
    assert p["perilaku_score"] == pytest.approx((0.5 * 4 + 0.2 * 5) / 0.7, abs=1e-12)


def test_require_supervisor_makes_perilaku_null_without_supervisor():
    p, _ = perilaku_of([("A", "peer", 3, 6, 24), ("A", "public", 5, 5, 25)])
    assert np.isnan(p["perilaku_score"]) and p["perilaku_rating"] is None and p["has_feedback"]
    pol = POLICY.model_copy(update={"perilaku": POLICY.perilaku.model_copy(update={"require_supervisor": False})})
    p, _ = perilaku_of([("A", "peer", 3, 6, 24), ("A", "public", 5, 5, 25)], pol)
    assert p["perilaku_score"] == pytest.approx((0.2 * 4 + 0.2 * 5) / 0.4, abs=1e-12)


def test_self_score_is_shown_but_not_weighted():
    p, _ = perilaku_of([("A", "supervisor", 1, 5, 15), ("A", "self", 1, 5, 25)])
    assert p["perilaku_score"] == pytest.approx(3.0) and p["self_score"] == pytest.approx(5.0)


def test_aspect_scores_reweight_types_without_rows_for_the_aspect():
    fb = feedback_rows(NIP_A, "supervisor", NIP_SUP, [4, 2], aspects=["akuntabel", "kompeten"])
    for r in ("P1", "P2"):
        fb += feedback_rows(NIP_A, "peer", r, [5], aspects=["akuntabel"])
    fb += feedback_rows(NIP_A, "self", NIP_A, [1], aspects=["harmonis"])
    data = inputs(holidays=holidays(), employees=[employee()], assignments=[assignment()], feedback=fb)
    res = score_period(data, Q1, date(2026, 4, 5), POLICY)
    a = res.aspect_scores.set_index("aspect")["score"]
    assert a["akuntabel"] == pytest.approx((0.5 * 4 + 0.2 * 5) / 0.7, abs=1e-12)
    assert a["kompeten"] == pytest.approx(2.0) and "harmonis" not in a.index
    e = res.employee_scores.iloc[0]
    assert e["perilaku_score"] == pytest.approx((0.5 * 3 + 0.2 * 5) / 0.7, abs=1e-12)


def test_no_aspect_rows_when_perilaku_is_null():
    fb = []
    for r in ("P1", "P2"):
        fb += feedback_rows(NIP_A, "peer", r, [5], aspects=["akuntabel"])
    data = inputs(holidays=holidays(), employees=[employee()], assignments=[assignment()], feedback=fb)
    res = score_period(data, Q1, date(2026, 4, 5), POLICY)
    assert res.aspect_scores.empty and len(res.rater_type_scores) == 1


def test_feedback_of_other_quarters_is_ignored():
    fb = feedback_rows(NIP_A, "supervisor", NIP_SUP, [5], quarter=2) + feedback_rows(NIP_A, "supervisor", NIP_SUP, [3])
    data = inputs(holidays=holidays(), employees=[employee()], assignments=[assignment()], feedback=fb)
    assert score_period(data, Q1, date(2026, 4, 5), POLICY).employee_scores.iloc[0]["perilaku_score"] == 3.0


# --- §5 nilai akhir and predikat ------------------------------------------------------------------------------

@pytest.mark.parametrize("perilaku, hasil, expected", [
    ("di_atas", "di_bawah", "butuh_perbaikan"), ("di_atas", "sesuai", "baik"), ("di_atas", "di_atas", "sangat_baik"),
    ("sesuai", "di_bawah", "butuh_perbaikan"), ("sesuai", "sesuai", "baik"), ("sesuai", "di_atas", "baik"),
    ("di_bawah", "di_bawah", "sangat_kurang"), ("di_bawah", "sesuai", "kurang"), ("di_bawah", "di_atas", "kurang")])
def test_predikat_matrix_all_nine_cells(perilaku, hasil, expected):
    assert predikat([perilaku], [hasil])[0] == expected
    assert len(PREDIKAT_MATRIX) == 9


def _eligible(**overrides):
    row = dict(active_workdays=58, has_targets=True, hasil_kerja_score=100.0, hasil_kerja_rating="sesuai",
               has_feedback=True, supervisor_kept=True, perilaku_score=4.0, perilaku_rating="di_atas",
               disiplin_score=100.0)
    row.update(overrides)
    return row


def test_not_rated_reasons_in_order():
    cases = [
        (dict(active_workdays=19, has_targets=False, hasil_kerja_score=np.nan, has_feedback=False), NOT_RATED_REASONS[0]),
        (dict(active_workdays=20, has_targets=False, hasil_kerja_score=np.nan, has_feedback=False), "no_targets"),
        (dict(hasil_kerja_score=np.nan, hasil_kerja_rating=None, has_feedback=False), "no_realisation"),
        (dict(has_feedback=False, supervisor_kept=False, perilaku_score=np.nan), "no_feedback"),
        (dict(supervisor_kept=False, perilaku_score=np.nan, perilaku_rating=None), "no_supervisor_feedback"),
        (dict(perilaku_score=np.nan, perilaku_rating=None), "insufficient_raters"),
        (dict(), None),
    ]
    frame_ = pd.DataFrame([_eligible(**c) for c, _ in cases])
    out = rate_employees(frame_, POLICY, "quarter")
    assert [None if pd.isna(r) else r for r in out["not_rated_reason"]] == [r for _, r in cases]
    assert out["predikat"].tolist() == ["belum_dinilai"] * 6 + ["baik"]
    assert out["nilai_akhir"].isna().tolist() == [True] * 6 + [False]
    assert out.loc[6, "nilai_akhir"] == pytest.approx(0.6 * 100 + 0.3 * 96 + 0.1 * 100)


def test_year_needs_60_active_days():
    out = rate_employees(pd.DataFrame([_eligible(active_workdays=59)]), POLICY, "year")
    assert out["not_rated_reason"].tolist() == ["insufficient_active_days"]


def test_not_rated_employee_keeps_computed_scores():
    data = inputs(holidays=holidays(), employees=[employee(active_from="2026-03-20")], assignments=[assignment()],
                  indicators=[ind("S")], targets=[tgt("S", 1, 10)], activities=[act("S", "2026-03-25", 10)],
                  feedback=feedback_rows(NIP_A, "supervisor", NIP_SUP, [4]))
    e = score_period(data, Q1, date(2026, 4, 5), POLICY).employee_scores.iloc[0]
    assert e["not_rated_reason"] == "insufficient_active_days" and e["predikat"] == "belum_dinilai"
    assert e["hasil_kerja_score"] == 120 and e["perilaku_score"] == 4 and np.isnan(e["nilai_akhir"])


def test_nilai_akhir_reweights_over_non_null_components():
    from kinerja.methodology.nilai_akhir import nilai_akhir
    assert nilai_akhir([90.0], [np.nan], [100.0], POLICY)[0] == pytest.approx((0.6 * 90 + 0.1 * 100) / 0.7)
    assert np.isnan(nilai_akhir([np.nan], [np.nan], [np.nan], POLICY)[0])


# --- §6 IKM ---------------------------------------------------------------------------------------------------

def survey(unit, n, value=4, d="2026-02-01"):
    return [{"response_id": f"{unit}{i}{d}", "unit_code": unit, "service": "s", "response_date": d,
             **{f"u{k}": value for k in range(1, 10)}} for i in range(n)]


def test_ikm_exact_and_rounded_weights():
    totals = survey_totals(frame("survey_responses", survey("U", 30)), Q1, date(2026, 4, 5))
    assert ikm_scores(totals, POLICY)["ikm"].iloc[0] == pytest.approx(100.0, abs=1e-9)
    pol = POLICY.model_copy(update={"ikm": POLICY.ikm.model_copy(update={"element_weight": "rounded"})})
    assert ikm_scores(totals, pol)["ikm"].iloc[0] == pytest.approx(99.9, abs=1e-9)


@pytest.mark.parametrize("ikm, grade", [(100, "A"), (88.31, "A"), (88.309999, "B"), (76.61, "B"), (76.6, "C"),
                                        (65.0, "C"), (64.99, "D"), (25.0, "D"), (24.0, "D"), (np.nan, None)])
def test_ikm_grade_bounds(ikm, grade):
    assert ikm_grade([ikm], POLICY)[0] == grade


def test_ikm_nrr_per_unsur_and_min_responses_flag():
    rows = survey("U", 3, 3) + survey("U", 1, 4) + survey("V", 2, 2, d="2026-05-01")
    totals = survey_totals(frame("survey_responses", rows), Q1, date(2026, 4, 5))
    s = ikm_scores(totals, POLICY).iloc[0]
    assert s["ikm_responses"] == 4 and s["nrr_u1"] == 3.25 and s["insufficient_sample"] == 1
    assert s["ikm"] == pytest.approx(25 * 3.25, abs=1e-9) and s["ikm_grade"] == "B"


def test_unit_scores_carry_ikm_and_zero_responses():
    data = inputs(holidays=holidays(), employees=[employee()], assignments=[assignment(unit="DISHUB")],
                  survey_responses=survey("PKM", 2, 4))
    us = score_period(data, Q1, date(2026, 4, 5), POLICY).unit_scores.set_index("unit_code")
    assert us.loc["PKM", "ikm"] == pytest.approx(100.0) and us.loc["PKM", "ikm_responses"] == 2
    assert us.loc["PKM", "employees"] == 0 and np.isnan(us.loc["DISHUB", "ikm"])
    assert us.loc["DISHUB", "ikm_responses"] == 0 and us.loc["DISHUB", "ikm_grade"] is None
    assert us.loc["DISHUB", "belum_dinilai"] == 1 and us.loc["DISHUB", "rated"] == 0


# --- §8 awards, training needs, calibration -------------------------------------------------------------------

def scores(rows):
    cols = ["period", "nip", "unit_code", "predikat", "nilai_akhir", "self_score", "perilaku_score"]
    return pd.DataFrame([dict(zip(cols, r)) for r in rows])


def test_award_candidates_top_share_rounded_up_at_least_one():
    rows = [("2026-Q1", f"N{i:02d}", "U", "sangat_baik" if i < 3 else "baik", 100 - i, np.nan, np.nan)
            for i in range(15)]
    rows += [("2026-Q1", "M1", "V", "baik", 90, np.nan, np.nan), ("2026-Q1", "M2", "V", "sangat_baik", 95, np.nan, np.nan),
             ("2026-Q1", "M3", "V", "belum_dinilai", np.nan, np.nan, np.nan)]
    a = award_candidates(scores(rows), POLICY)
    # U: 15 rated -> ceil(1.5) = 2 of the 3 sangat_baik; V: 2 rated -> at least 1
    assert a[["unit_code", "nip", "rank"]].values.tolist() == [["U", "N00", 1], ["U", "N01", 2], ["V", "M2", 1]]


def test_award_ties_by_nip():
    rows = [("2026-Q1", n, "U", "sangat_baik", 100.0, np.nan, np.nan) for n in ("B", "A")]
    assert award_candidates(scores(rows), POLICY)["nip"].tolist() == ["A"]


def test_award_quota_counts_rated_employees_only_and_ties_go_to_the_smaller_nip():
    # A: 12 rated -> ceil(1.2) = 2, ties on 105 broken by nip; B: 2 rated (belum_dinilai and a NULL predikat
    # are not rated) -> ceil(0.2) = 1.
    rows = [("P", f"{i:02d}", "A", p, v, np.nan, np.nan) for i, (p, v) in enumerate(
        [("sangat_baik", 100.0), ("sangat_baik", 105.0), ("sangat_baik", 105.0), ("sangat_baik", 99.0)]
        + [("baik", 90.0)] * 8)]
    rows += [("P", "12", "B", "sangat_baik", 101.0, np.nan, np.nan), ("P", "13", "B", "baik", 90.0, np.nan, np.nan),
             ("P", "14", "B", "belum_dinilai", np.nan, np.nan, np.nan), ("P", "15", "B", None, np.nan, np.nan, np.nan)]
    a = award_candidates(scores(rows), POLICY)
    assert a["nip"].tolist() == ["01", "02", "12"] and a["rank"].tolist() == [1, 2, 1]


def test_training_needs_below_thresholds():
    aspects = pd.DataFrame({"nip": ["A", "A"], "aspect": ["loyal", "adaptif"], "score": [2.99, 3.0]})
    inds = pd.DataFrame({"nip": ["A", "B", "C"], "indicator_id": ["I1", "I2", "I3"], "capaian": [69.9, np.nan, 70.0]})
    t = training_needs(aspects, inds, POLICY, "2026-Q1")
    assert t[["kind", "item"]].values.tolist() == [["aspect", "loyal"], ["indicator", "I1"]]
    assert t["threshold"].tolist() == [3.0, 70.0]


def test_calibration_flags_unit_share_supervisor_leniency_and_self_gap():
    rows = [("2026-Q1", f"U{i}", "U", "sangat_baik", 100, np.nan, np.nan) for i in range(4)]
    rows += [("2026-Q1", f"V{i}", "V", "baik", 90, np.nan, np.nan) for i in range(4)]
    rows += [("2026-Q1", "S", "V", "baik", 90, 5.0, 3.9), ("2026-Q1", "T", "V", "baik", 90, 4.9, 3.9)]
    sup = pd.DataFrame({"rater_id": ["S1"] * 2 + [f"S{i}" for i in range(2, 7)],
                        "score": [5.0, 5.0] + [3.0, 3.2, 2.9, 3.1, 3.0]})
    f = calibration_flags(scores(rows), sup, POLICY, "2026-Q1")
    assert f[f["flag"] == "unit_share_gap"]["unit_code"].tolist() == ["U", "V"]  # 1.0 and 0.0 vs 0.4
    assert f[f["flag"] == "rater_leniency"]["nip"].tolist() == ["S1"]
    assert f[f["flag"] == "self_gap"]["nip"].tolist() == ["S"]  # 1.1 > 1.0; 1.0 is not above
    lenient = f[f["flag"] == "rater_leniency"].iloc[0]
    # value = z against the other supervisors (mean 3.04, sample SD 0.114…), reference = the mean given
    assert lenient["reference"] == pytest.approx(5.0)
    assert lenient["value"] == pytest.approx((5.0 - 3.04) / np.std([3.0, 3.2, 2.9, 3.1, 3.0], ddof=1))
    assert lenient["threshold"] == 2.0 and lenient["unit_code"] is None


def sup_feedback(means):
    """Supervisor feedback rows: one rater per mean, five aspect rows whose mean is that mean."""
    rows = [(f"S{k}", m + d) for k, m in enumerate(means) for d in (-0.2, -0.1, 0.0, 0.1, 0.2)]
    return pd.DataFrame(rows, columns=["rater_id", "score"])


def test_leniency_compares_each_supervisor_with_the_others_so_small_organisations_can_be_flagged():
    means = [4.9, 3.8, 3.7]
    # The inclusive population z of n supervisors never exceeds sqrt(n − 1): here sqrt(2) < 2.0.
    inclusive = (means[0] - np.mean(means)) / np.std(means)
    assert inclusive <= np.sqrt(2) + 1e-12
    got = supervisor_leniency(sup_feedback(means), 2.0)
    assert got["rater_id"].tolist() == ["S0"]
    row = got.iloc[0]
    assert row["mean_score"] == pytest.approx(4.9) and row["others_mean"] == pytest.approx(3.75)
    assert row["others_sd"] == pytest.approx(np.std([3.8, 3.7], ddof=1)) and row["ratings"] == 5
    assert row["z"] == pytest.approx((4.9 - 3.75) / np.std([3.8, 3.7], ddof=1))


def test_leniency_is_strict_and_needs_three_supervisors_with_spread():
    # 4 vs the others 1, 2, 3 (mean 2, SD 1): z = 2.0 exactly, not flagged; 1 vs 2, 3, 4: z = −2.0, not flagged.
    assert supervisor_leniency(sup_feedback([1.0, 2.0, 3.0, 4.0]), 2.0).empty
    got = supervisor_leniency(sup_feedback([1.0, 2.0, 3.0, 4.01]), 2.0)
    assert got["rater_id"].tolist() == ["S3"] and got["z"].iloc[0] == pytest.approx(2.01)
    assert supervisor_leniency(sup_feedback([5.0, 1.0]), 2.0).empty  # two supervisors: no spread of the others
    # the others all equal (SD 0): z is undefined, nobody is flagged
    assert supervisor_leniency(sup_feedback([1.0, 4.0, 4.0, 4.0]), 2.0).empty
    # rows without a rater or a score are ignored
    fb = pd.concat([sup_feedback([4.9, 3.8, 3.7]), pd.DataFrame({"rater_id": [None, "S1"], "score": [1.0, np.nan]})])
    assert supervisor_leniency(fb, 2.0)["rater_id"].tolist() == ["S0"]
