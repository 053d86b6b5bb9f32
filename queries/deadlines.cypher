// name: deadlines
// description: Tasks whose normalised deadline falls in a date range (inclusive), earliest first,
// description: with the verbatim deadline, the document and the lead units (sorted names).
// param: from (date, default "0001-01-01") — earliest deadline, ISO date
// param: to (date, default "9999-12-31") — latest deadline, ISO date
MATCH (t:Task)
// left(…, 10) keeps the range test off the Task.deadline_date index: FalkorDB 4.16's range
// index answers string < / <= / > / >= wrongly (equality is fine); on Neo4j it changes nothing.
WHERE t.deadline_date IS NOT NULL
  AND left(t.deadline_date, 10) >= $from AND left(t.deadline_date, 10) <= $to
OPTIONAL MATCH (u)-[:LEADS]->(t)
WITH t, u
ORDER BY coalesce(u.name, '')
WITH t, collect(DISTINCT u.name) AS leads
RETURN t.deadline_date AS due, t.deadline AS deadline, t.id AS task, t.title AS title,
       t.doc AS document, leads
ORDER BY due, task
