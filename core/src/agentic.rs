//! Complexity and decomposition: a question's complexity (1-10, with the reasons) from its wording and the
//! tables it links to; above `complexity_threshold` a plan of tasks in stages (a DAG within `max_tasks` and
//! `max_stages`) whose tasks of one stage run concurrently ([`join_all`]: joined futures, no threads, so it runs
//! in wasm) and whose SQL composes into one statement of common table expressions ([`compose`]). Computed
//! without a model: `POST /api/nl2sql/analyze` returns it as is.

use serde::Serialize;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// How hard a question is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Assessment {
    /// 1 (one table, one value) to 10.
    pub score: u8,
    /// What raised it.
    pub reasons: Vec<String>,
}

fn lower_words(question: &str) -> Vec<String> {
    question
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn has_phrase(words: &[String], phrase: &str) -> bool {
    let parts: Vec<&str> = phrase.split(' ').collect();
    words.windows(parts.len()).any(|w| w.iter().zip(&parts).all(|(a, b)| a == b))
}

/// Assesses `question`, which links to `tables` tables.
pub fn assess(question: &str, tables: usize) -> Assessment {
    let words = lower_words(question);
    let any = |list: &[&str]| list.iter().any(|p| has_phrase(&words, p));
    let mut score = 1u32;
    let mut reasons = Vec::new();
    let mut raise = |by: u32, why: &str| {
        score += by;
        reasons.push(why.to_owned());
    };
    if tables > 1 {
        raise((tables as u32 - 1).min(3), &format!("joins {tables} tables"));
    }
    if any(&["how many", "count", "number of", "average", "avg", "total", "sum", "maximum", "minimum", "most", "least"])
    {
        raise(1, "aggregates");
    }
    if any(&["for each", "per", "each", "by country", "grouped", "group by", "breakdown"]) {
        raise(1, "groups rows");
    }
    if any(&["than the average", "above average", "below average", "than average", "more than the", "less than the"]) {
        raise(2, "compares rows with an aggregate (a nested query)");
    }
    if any(&["but not", "except", "never", "both", "either", "as well as", "and also", "not any", "without any"]) {
        raise(2, "combines sets (both / except / either)");
    }
    if any(&["compare", "compared", "versus", "vs", "ratio", "share of", "percentage", "difference between"]) {
        raise(2, "compares measures");
    }
    if any(&["top", "highest", "lowest", "best", "worst", "rank", "ranking", "largest", "smallest"]) {
        raise(1, "ranks");
    }
    if any(&["growth", "trend", "year over year", "month over month", "previous", "cumulative", "running total"]) {
        raise(2, "compares periods");
    }
    if words.len() > 25 {
        raise(1, "long question");
    }
    Assessment { score: score.min(10) as u8, reasons }
}

/// One unit of work: a sub-question answered by one SQL query, named as a CTE.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Task {
    /// `t1`, `t2`, …: also its CTE name.
    pub id: String,
    /// 1-based stage.
    pub stage: u32,
    /// The sub-question.
    pub question: String,
    /// Tasks whose results it reads.
    pub depends_on: Vec<String>,
}

/// Tasks in stages; every task of stage N depends only on tasks of earlier stages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// All tasks, by stage.
    pub tasks: Vec<Task>,
    /// Number of stages.
    pub stages: u32,
}

impl Plan {
    /// The tasks of `stage`.
    pub fn stage(&self, stage: u32) -> impl Iterator<Item = &Task> {
        self.tasks.iter().filter(move |t| t.stage == stage)
    }
}

/// Limits from `[nl2sql.agentic]`.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Tasks per plan at most.
    pub max_tasks: u32,
    /// Stages per plan at most.
    pub max_stages: u32,
}

/// Splits `question` into independent measures (stage 1) and the question over their results (stage 2).
/// `None` when it has no separable parts.
pub fn plan(question: &str, limits: Limits) -> Option<Plan> {
    if limits.max_stages < 2 || limits.max_tasks < 3 {
        return None;
    }
    let text = question.trim().trim_end_matches(['?', '.']);
    // Parts are cut from the lower-cased text (byte offsets of the original may differ after lower-casing).
    let lower = text.to_lowercase();
    // "Compare A with B", "A versus B", "A and also B", "A as well as B": the measures A and B.
    let separators =
        [" compared with ", " compared to ", " versus ", " vs ", " as well as ", " and also ", " with ", " and "];
    let mut rest = ["compare ", "for each ", "per "].iter().fold(lower.as_str(), |t, p| t.strip_prefix(p).unwrap_or(t));
    let mut parts: Vec<String> = Vec::new();
    while parts.len() + 2 < limits.max_tasks as usize {
        let next = separators.iter().filter_map(|sep| rest.find(sep).map(|at| (at, sep.len()))).min();
        let Some((at, len)) = next else { break };
        parts.push(rest[..at].trim().to_owned());
        rest = &rest[at + len..];
    }
    let tail = rest.trim();
    // The last part may carry the condition that combines them ("…, keeping X where …"): kept for stage 2.
    let (last, combine) = match tail.find(", ").or_else(|| tail.find(" where ")) {
        Some(at) => (tail[..at].trim().to_owned(), tail[at..].trim_start_matches([',', ' ']).to_owned()),
        None => (tail.to_owned(), String::new()),
    };
    parts.push(last);
    parts.retain(|p| p.split_whitespace().count() >= 2);
    if parts.len() < 2 {
        return None;
    }
    let mut tasks: Vec<Task> = parts
        .iter()
        .enumerate()
        .map(|(i, p)| Task { id: format!("t{}", i + 1), stage: 1, question: p.clone(), depends_on: vec![] })
        .collect();
    let ids: Vec<String> = tasks.iter().map(|t| t.id.clone()).collect();
    let final_question = if combine.is_empty() {
        format!("{text} (combine {})", ids.join(", "))
    } else {
        format!("{combine} (combine {})", ids.join(", "))
    };
    tasks.push(Task { id: format!("t{}", tasks.len() + 1), stage: 2, question: final_question, depends_on: ids });
    Some(Plan { tasks, stages: 2 })
}

/// One SQL statement from the tasks' SQL: every task but the last becomes a CTE named by its id, the last
/// task's SQL is the main query (it reads the CTEs).
pub fn compose(task_sql: &[(String, String)]) -> Option<String> {
    let (last, ctes) = task_sql.split_last()?;
    if ctes.is_empty() {
        return Some(last.1.clone());
    }
    let ctes: Vec<String> =
        ctes.iter().map(|(id, sql)| format!("{id} AS ({})", sql.trim().trim_end_matches(';'))).collect();
    Some(format!("WITH {} {}", ctes.join(", "), last.1.trim().trim_end_matches(';')))
}

/// Polls every future until all are done and returns their outputs in order: concurrency without threads or a
/// runtime (what a stage's tasks use).
pub async fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    JoinAll { futures: futures.into_iter().map(|f| Some(Box::pin(f))).collect(), outputs: Vec::new() }.await
}

struct JoinAll<F: Future> {
    futures: Vec<Option<Pin<Box<F>>>>,
    outputs: Vec<Option<F::Output>>,
}

impl<F: Future> Future for JoinAll<F> {
    type Output = Vec<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // Every field is Unpin (boxed futures, plain outputs), so the struct is too.
        let this = self.get_mut();
        if this.outputs.is_empty() {
            this.outputs = this.futures.iter().map(|_| None).collect();
        }
        let mut pending = false;
        for (slot, out) in this.futures.iter_mut().zip(this.outputs.iter_mut()) {
            if let Some(future) = slot {
                match future.as_mut().poll(cx) {
                    Poll::Ready(value) => {
                        *out = Some(value);
                        *slot = None;
                    }
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending { Poll::Pending } else { Poll::Ready(this.outputs.iter_mut().filter_map(Option::take).collect()) }
    }
}

impl<F: Future> Unpin for JoinAll<F> {}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits { max_tasks: 10, max_stages: 5 };

    #[test]
    fn simple_questions_score_low_and_compound_ones_high() {
        let easy = assess("How many albums are there?", 1);
        assert!(easy.score <= 2, "{easy:?}");
        let hard = assess(
            "Compare the number of customers per country with the total invoice amount per country, \
             where the total is above average",
            3,
        );
        assert!(hard.score >= 7, "{hard:?}");
        assert!(hard.reasons.iter().any(|r| r.contains("compares")));
    }

    #[test]
    fn a_comparison_is_planned_as_parallel_measures_then_a_combination() {
        let plan = plan(
            "Compare the number of customers per country with the total invoice amount per country, \
             keeping countries where the total exceeds 100",
            LIMITS,
        )
        .expect("a plan");
        assert_eq!(plan.stages, 2);
        let first: Vec<&str> = plan.stage(1).map(|t| t.question.as_str()).collect();
        assert_eq!(first, ["the number of customers per country", "the total invoice amount per country"]);
        let last = plan.stage(2).next().expect("stage 2");
        assert_eq!(last.depends_on, ["t1", "t2"]);
        assert!(last.question.starts_with("keeping countries where the total exceeds 100"), "{}", last.question);
        assert!(plan.tasks.len() <= LIMITS.max_tasks as usize);
        assert!(super::plan("How many albums are there?", LIMITS).is_none());
        assert!(super::plan("Compare a b with c d", Limits { max_tasks: 10, max_stages: 1 }).is_none());
    }

    #[test]
    fn tasks_compose_into_common_table_expressions() {
        let sql = compose(&[
            ("t1".into(), "SELECT Country, COUNT(*) AS n FROM Customer GROUP BY Country;".into()),
            ("t2".into(), "SELECT BillingCountry AS Country, SUM(Total) AS total FROM Invoice GROUP BY 1".into()),
            ("t3".into(), "SELECT t1.Country, n, total FROM t1 JOIN t2 USING (Country)".into()),
        ])
        .expect("sql");
        assert_eq!(
            sql,
            "WITH t1 AS (SELECT Country, COUNT(*) AS n FROM Customer GROUP BY Country), \
             t2 AS (SELECT BillingCountry AS Country, SUM(Total) AS total FROM Invoice GROUP BY 1) \
             SELECT t1.Country, n, total FROM t1 JOIN t2 USING (Country)"
        );
        assert_eq!(compose(&[("t1".into(), "SELECT 1".into())]).as_deref(), Some("SELECT 1"));
        assert_eq!(compose(&[]), None);
    }

    /// Ready after being polled `n` times, waking itself in between.
    struct Countdown(u32, &'static str);
    impl Future for Countdown {
        type Output = &'static str;
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<&'static str> {
            if self.0 == 0 {
                return Poll::Ready(self.1);
            }
            self.0 -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }

    #[test]
    fn join_all_interleaves_and_keeps_order() {
        let out = futures_executor::block_on(join_all(vec![Countdown(3, "a"), Countdown(0, "b"), Countdown(1, "c")]));
        assert_eq!(out, ["a", "b", "c"]);
    }
}
