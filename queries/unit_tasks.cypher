// name: unit_tasks
// description: Tasks a unit leads or supports, with its role, the task's deadline and its document.
// description: The unit is matched by id, canonical name or any alias (all jurisdictions).
// param: unit (string, default "区财政局") — unit id, canonical name or alias
// param: role (string, default "any") — lead, support or any
// param: limit (integer, default 50) — at most this many rows
MATCH (u:Unit)
WHERE u.id = $unit OR u.name = $unit OR $unit IN coalesce(u.aliases, [])
MATCH (u)-[r:LEADS|SUPPORTS]->(t:Task)
WITH u, t, CASE type(r) WHEN 'LEADS' THEN 'lead' ELSE 'support' END AS role
WHERE $role = 'any' OR role = $role
OPTIONAL MATCH (d:Document)-[:CONTAINS]->(t)
WITH DISTINCT u, t, role, d
RETURN u.id AS unit_id, u.name AS unit, role, t.doc AS document, d.title AS document_title,
       t.id AS task, t.title AS title, t.deadline AS deadline, t.deadline_date AS deadline_date
ORDER BY unit_id, document, task, role
LIMIT $limit
