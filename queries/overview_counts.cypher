// name: overview_counts
// description: One row per document: how many tasks it contains, distinct units responsible
// description: for them (lead or support), distinct policies it or its tasks cite, and outcomes.
// param: doc (string, default null) — only this document (id or file name without extension); all when absent
MATCH (d:Document)
WHERE $doc IS NULL OR d.id = $doc OR (d.id STARTS WITH ($doc + '-') AND size(d.id) = size($doc) + 9)
OPTIONAL MATCH (d)-[:CONTAINS]->(t:Task)
WITH d, count(DISTINCT t) AS tasks
OPTIONAL MATCH (d)-[:CONTAINS]->(:Task)<-[:LEADS|SUPPORTS]-(u:Unit)
WITH d, tasks, count(DISTINCT u) AS units
OPTIONAL MATCH (d)-[:CONTAINS]->(:Task)-[:HAS_OUTCOME]->(o:Outcome)
WITH d, tasks, units, count(DISTINCT o) AS outcomes
OPTIONAL MATCH (d)-[:CONTAINS]->(:Task)-[:CITES]->(p1:Policy)
WITH d, tasks, units, outcomes, collect(DISTINCT p1.id) AS via_tasks
OPTIONAL MATCH (d)-[:CITES]->(p2:Policy)
WITH d, tasks, units, outcomes, via_tasks, collect(DISTINCT p2.id) AS direct
WITH d, tasks, units, outcomes, via_tasks + direct AS cited
UNWIND (CASE WHEN size(cited) = 0 THEN [null] ELSE cited END) AS policy_id
WITH d, tasks, units, outcomes, count(DISTINCT policy_id) AS policies
RETURN d.id AS document, d.title AS title, d.date AS date, d.genre AS genre,
       tasks, units, policies, outcomes
ORDER BY document
