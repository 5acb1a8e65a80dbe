//! Goals in a person's words → target and task, by the rules (the offline default and what every
//! language model's answer is weighed against). The tables are made here: the target sits in
//! the middle under an ordinary name, next to columns whose names echo the goal's words and next
//! to identifiers.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use mlpilot::core::{DatasetProfile, Rng, Task};
use mlpilot_llm::goal::{Asks, asks, define_task};

/// A table as CSV text: `columns` are (name, generator of one value per row).
type Gen = Box<dyn Fn(&mut Rng, usize) -> String>;

fn table(columns: Vec<(&str, Gen)>, rows: usize) -> DatasetProfile {
    let mut rng = Rng::new(7);
    let mut text = columns.iter().map(|c| c.0).collect::<Vec<_>>().join(",");
    text.push('\n');
    for r in 0..rows {
        let line: Vec<String> = columns.iter().map(|(_, g)| g(&mut rng, r)).collect();
        text.push_str(&line.join(","));
        text.push('\n');
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.csv");
    std::fs::write(&path, text).unwrap();
    let (_, profile) =
        mlpilot::data::load_and_profile(path.to_str().unwrap(), None).expect("profile");
    profile
}

fn pick(options: &'static [&'static str]) -> Gen {
    Box::new(move |rng: &mut Rng, _| options[rng.below(options.len())].to_string())
}

fn int(low: i64, high: i64) -> Gen {
    Box::new(move |rng: &mut Rng, _| {
        (low + rng.below((high - low + 1) as usize) as i64).to_string()
    })
}

fn float(low: f64, high: f64) -> Gen {
    Box::new(move |rng: &mut Rng, _| format!("{:.2}", rng.uniform_range(low, high)))
}

fn row_id(offset: usize) -> Gen {
    // Unique per row but not in order, as an exported table often is.
    Box::new(move |_, r| ((r * 7919) % 100_003 + offset).to_string())
}

fn churn_table() -> DatasetProfile {
    table(
        vec![
            ("customer_id", row_id(1000)),
            ("gender", pick(&["Female", "Male"])),
            (
                "contract",
                pick(&["Month-to-month", "One year", "Two year"]),
            ),
            ("tenure", int(0, 72)),
            ("Churn", pick(&["Yes", "No", "No"])),
            ("MonthlyCharges", float(18.0, 120.0)),
            (
                "PaymentMethod",
                pick(&["Electronic check", "Mailed check", "Card"]),
            ),
        ],
        300,
    )
}

fn expect(goal: &str, profile: &DatasetProfile, target: &str, task: Task) {
    let spec = define_task(goal, profile).unwrap();
    assert_eq!(
        (spec.target.as_str(), spec.task),
        (target, task),
        "{goal}: {:?}",
        spec.notes
    );
}

#[test]
fn a_goal_word_echoed_by_another_column_does_not_win() {
    let p = churn_table();
    expect(
        "find out which customers are going to cancel their contract",
        &p,
        "Churn",
        Task::Binary,
    );
    expect("who will leave us?", &p, "Churn", Task::Binary);
    expect("which customers stay with us", &p, "Churn", Task::Binary);
    // Naming the column still works, and says what came second and why.
    let spec = define_task("what kind of contract will a customer choose", &p).unwrap();
    assert_eq!(spec.target, "contract");
    assert_eq!(spec.task, Task::Multiclass);
    let r = spec.runner_up.expect("a runner-up");
    assert!(!r.reason.is_empty() && r.target != "contract", "{r:?}");
}

#[test]
fn employees_who_quit_are_a_class_not_a_count() {
    let p = table(
        vec![
            ("Age", int(18, 60)),
            ("Department", pick(&["Sales", "R&D", "HR"])),
            ("Attrition", pick(&["Yes", "No", "No", "No"])),
            ("YearsWithCurrManager", int(0, 17)),
            ("MonthlyIncome", int(1000, 20000)),
            ("JobSatisfaction", int(1, 4)),
        ],
        300,
    );
    expect(
        "predict which employees will quit",
        &p,
        "Attrition",
        Task::Binary,
    );
    expect("will this employee resign", &p, "Attrition", Task::Binary);
    expect(
        "how much does an employee earn",
        &p,
        "MonthlyIncome",
        Task::Regression,
    );
}

#[test]
fn what_a_house_sells_for_is_a_quantity() {
    let p = table(
        vec![
            ("Lot_Area", int(1300, 200_000)),
            ("House_Style", pick(&["1Story", "2Story", "SLvl", "1.5Fin"])),
            ("Sale_Price", int(35_000, 750_000)),
            ("Year_Built", int(1880, 2010)),
            ("Sale_Condition", pick(&["Normal", "Abnorml", "Partial"])),
            ("Overall_Qual", int(1, 10)),
        ],
        300,
    );
    expect(
        "estimate what a house will sell for",
        &p,
        "Sale_Price",
        Task::Regression,
    );
    expect(
        "how expensive will this home be",
        &p,
        "Sale_Price",
        Task::Regression,
    );
    expect(
        "what price can I ask for my house",
        &p,
        "Sale_Price",
        Task::Regression,
    );
}

#[test]
fn an_identifier_is_never_a_target() {
    let p = table(
        vec![
            ("test_id", row_id(1)),
            ("hours_studied", float(0.0, 40.0)),
            ("passed", pick(&["yes", "no"])),
            ("school", pick(&["A", "B", "C"])),
        ],
        200,
    );
    expect("predict the test result", &p, "passed", Task::Binary);
    expect("which students pass", &p, "passed", Task::Binary);
    let spec = define_task("predict the test id", &p).unwrap();
    assert_ne!(spec.target, "test_id");
}

#[test]
fn worth_is_the_market_value_not_the_profits() {
    let p = table(
        vec![
            ("sector", pick(&["Tech", "Energy", "Retail", "Finance"])),
            ("sales", float(1.0, 500.0)),
            ("profits", float(-5.0, 80.0)),
            ("market_value", float(5.0, 900.0)),
            ("assets", float(10.0, 2000.0)),
            ("employees", int(100, 200_000)),
        ],
        200,
    );
    expect(
        "what is a company worth",
        &p,
        "market_value",
        Task::Regression,
    );
    expect(
        "estimate the value of a firm",
        &p,
        "market_value",
        Task::Regression,
    );
}

#[test]
fn counts_and_classes_follow_the_wording() {
    let p = table(
        vec![
            ("season", int(1, 4)),
            ("temperature", float(-5.0, 35.0)),
            ("rentals", int(20, 900)),
            ("weather", int(1, 3)),
            ("holiday", int(0, 1)),
            ("humidity", float(0.2, 1.0)),
        ],
        300,
    );
    expect(
        "how many bikes will be rented",
        &p,
        "rentals",
        Task::Regression,
    );
    // A whole number with a few values is a class when the goal asks "which".
    expect("which weather will it be", &p, "weather", Task::Multiclass);
    let loans = table(
        vec![
            ("loan_amount", int(500, 40_000)),
            (
                "loan_purpose",
                pick(&["car", "home", "education", "business"]),
            ),
            ("default_status", int(0, 1)),
            ("income", int(10_000, 200_000)),
            ("credit_lines", int(0, 12)),
        ],
        300,
    );
    expect(
        "who is likely to not pay back their loan",
        &loans,
        "default_status",
        Task::Binary,
    );
    expect(
        "how big a loan will someone take",
        &loans,
        "loan_amount",
        Task::Regression,
    );
}

#[test]
fn the_wording_says_class_or_quantity() {
    assert_eq!(asks("predict which employees will quit"), Asks::Class);
    assert_eq!(asks("estimate what a house will sell for"), Asks::Quantity);
    assert_eq!(
        asks("How many bikes will be rented tomorrow?"),
        Asks::Quantity
    );
    assert_eq!(asks("will the patient survive"), Asks::Class);
    assert_eq!(asks("what kind of wine is this"), Asks::Class);
    assert_eq!(asks("wine quality"), Asks::Unclear);
}

#[test]
fn close_evidence_is_left_to_the_person() {
    // Two yes/no outcomes that the goal names equally.
    let p = table(
        vec![
            ("age", int(20, 80)),
            ("heart_disease", pick(&["yes", "no"])),
            ("lung_disease", pick(&["yes", "no"])),
            ("bmi", float(15.0, 45.0)),
        ],
        200,
    );
    let spec = define_task("predict the disease", &p).unwrap();
    assert!(spec.undecided, "{spec:?}");
    let other = spec.runner_up.expect("runner-up").target;
    let mut both = [spec.target.as_str(), other.as_str()];
    both.sort_unstable();
    assert_eq!(both, ["heart_disease", "lung_disease"]);
    // A clear goal is decided.
    assert!(!define_task("predict heart disease", &p).unwrap().undecided);
}

#[test]
fn wording_measurements_and_exclusions_that_were_misread() {
    let p = table(
        vec![
            ("person_id", row_id(1)),
            ("age", int(18, 80)),
            ("has_health_insurance", pick(&["yes", "no"])),
            ("wage", float(20.0, 300.0)),
            ("body_mass_index", float(15.0, 45.0)),
            ("amount_paid", float(1.0, 900.0)),
            ("sex", pick(&["f", "m"])),
        ],
        300,
    );
    // "what will … be" asks for a value, not a yes/no.
    expect(
        "what will this person's wage be",
        &p,
        "wage",
        Task::Regression,
    );
    // A unique measurement under a name with "index" or ending in "id" is no identifier.
    expect(
        "predict body mass index",
        &p,
        "body_mass_index",
        Task::Regression,
    );
    expect(
        "how much does a customer pay",
        &p,
        "amount_paid",
        Task::Regression,
    );
    // An exclusion ends with its clause.
    let spec = define_task(
        "predict who has health insurance, ignoring the person id, based on their age and sex",
        &p,
    )
    .unwrap();
    assert_eq!(spec.target, "has_health_insurance");
    assert_eq!(spec.excluded, vec!["person_id".to_string()]);
}
