// name: outcomes_by_task
// description: Quantified outcomes and targets (成效) per task and document: metric, value (the
// description: lower bound of a range), value_max (its upper bound, 收取1-2%), unit, and whether
// description: the figure is masked (*项); rank is a ranking said of the figure (数量全省第一).
// description: A ranking on its own (全省排名第二) has unit 'rank' and the place as value.
// param: doc (string, default null) — only this document (its id or its file name without extension)
// param: metric (string, default null) — only this metric (e.g. 精简)
MATCH (t:Task)-[:HAS_OUTCOME]->(o:Outcome)
WHERE ($doc IS NULL OR t.doc = $doc OR (t.doc STARTS WITH ($doc + '-') AND size(t.doc) = size($doc) + 9)) AND ($metric IS NULL OR o.metric = $metric)
RETURN t.doc AS document, t.id AS task, t.title AS title, o.id AS outcome_id, o.text AS outcome,
       o.metric AS metric, o.value AS value, o.value_max AS value_max, o.unit AS unit,
       o.masked AS masked, o.rank AS rank
ORDER BY document, task, outcome_id
