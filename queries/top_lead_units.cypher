// name: top_lead_units
// description: Units ranked by the number of tasks they lead (牵头), with the number of documents
// description: those tasks come from; collective assignees (各乡镇, 区直各部门) only on request.
// param: include_collective (boolean, default false) — also rank Collective assignees
// param: limit (integer, default 20) — at most this many rows
MATCH (u)-[:LEADS]->(t:Task)
WHERE u:Unit OR (u:Collective AND $include_collective)
WITH u, count(DISTINCT t) AS tasks, count(DISTINCT t.doc) AS documents
RETURN u.id AS unit_id, u.name AS unit, labels(u)[0] AS kind, u.jurisdiction AS jurisdiction,
       tasks, documents
ORDER BY tasks DESC, documents DESC, unit_id
LIMIT $limit
