// name: document_tasks
// description: The tasks of one document in text order: number, title, deadline, lead and
// description: supporting assignees (sorted names), cited policies (sorted ids) and outcome count.
// param: doc (string) — document id, or the name of the file it came from without extension
MATCH (d:Document)
WHERE d.id = $doc OR (d.id STARTS WITH ($doc + '-') AND size(d.id) = size($doc) + 9)
MATCH (d)-[:CONTAINS]->(t:Task)
OPTIONAL MATCH (l)-[:LEADS]->(t)
WITH t, l ORDER BY coalesce(l.name, '')
WITH t, collect(DISTINCT l.name) AS leads
OPTIONAL MATCH (s)-[:SUPPORTS]->(t)
WITH t, leads, s ORDER BY coalesce(s.name, '')
WITH t, leads, collect(DISTINCT s.name) AS supports
OPTIONAL MATCH (t)-[:CITES]->(p:Policy)
WITH t, leads, supports, p ORDER BY coalesce(p.id, '')
WITH t, leads, supports, collect(DISTINCT p.id) AS cites
OPTIONAL MATCH (t)-[:HAS_OUTCOME]->(o:Outcome)
WITH t, leads, supports, cites, count(DISTINCT o) AS outcomes
RETURN t.id AS task, t.number AS number, t.title AS title, t.deadline AS deadline,
       leads, supports, cites, outcomes
ORDER BY coalesce(t.start, -1), task
