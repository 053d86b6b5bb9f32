// name: co_responsibility
// description: Pairs of units responsible (lead or support) for the same tasks, with how many
// description: tasks they share and which (sorted ids); each pair once, ordered by shared count.
// param: min_shared (integer, default 2) — only pairs sharing at least this many tasks
// param: limit (integer, default 50) — at most this many pairs
MATCH (a:Unit)-[:LEADS|SUPPORTS]->(t:Task)<-[:LEADS|SUPPORTS]-(b:Unit)
WHERE a.id < b.id
WITH DISTINCT a, b, t
ORDER BY t.id
WITH a, b, collect(t.id) AS tasks
WHERE size(tasks) >= $min_shared
RETURN a.id AS unit_a_id, a.name AS unit_a, b.id AS unit_b_id, b.name AS unit_b,
       size(tasks) AS shared, tasks
ORDER BY shared DESC, unit_a_id, unit_b_id
LIMIT $limit
