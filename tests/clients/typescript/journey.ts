// A todo's life through openapi-fetch and the types openapi-typescript generated from the
// service's /openapi.json (./schema.d.ts, written next to this file by the test). Prints
// what it saw as JSON: the same transcript as tests/clients/python_journey.py.
import createClient from "openapi-fetch";

import type { components, paths } from "./schema.js";

type Problem = components["schemas"]["Problem"];
type Todo = components["schemas"]["TodoOut"];

function setting(name: string): string {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
}

function present<T>(value: T | null | undefined, what: string): T {
  if (value === undefined || value === null) throw new Error(`no ${what}`);
  return value;
}

function problem(error: Problem): [number, string] {
  return [error.status, error.title];
}

const baseUrl = setting("TODO_BASE_URL");
const authorization = { Authorization: `Bearer ${setting("TODO_TOKEN")}` };
const client = createClient<paths>({ baseUrl, headers: authorization });

async function create(title: string, priority: Todo["priority"]): Promise<Todo> {
  const { data } = await client.POST("/api/todos", { body: { title, priority } });
  return present(data, `todo ${title}`);
}

async function titlesInOrder(): Promise<string[]> {
  const { data } = await client.GET("/api/todos", { params: { query: { sort: "order:asc" } } });
  return present(data, "page in order").items.map((item) => item.title);
}

// The base URL and the id change from run to run; the transcript is fixed.
function link(todo: Todo): string {
  return todo.url.replace(baseUrl, "{base}").replace(todo.id, "{id}");
}

const milk = await create("Buy milk", "high");
await create("Answer mail", "high");
const bank = await create("Call the bank", "low");
const listed = await client.GET("/api/todos", {
  params: { query: { priority: "high", sort: "title:asc" } },
});
const page = present(listed.data, "page");
const toStart = await client.POST("/api/todos/{todo_id}/move", {
  params: { path: { todo_id: bank.id } },
  body: { to: "start" },
});
const moved = present(toStart.data, "moved todo");
const inOrder = await titlesInOrder();
// A todo's url is followed as it is, as a front end would, with nothing but the token.
const followed = await fetch(moved.url, { headers: authorization });
const followedTodo = (await followed.json()) as Todo;

const path = { todo_id: milk.id };
const got = await client.GET("/api/todos/{todo_id}", { params: { path } });
const etag = present(got.response.headers.get("ETag"), "ETag");
const unchanged = await client.GET("/api/todos/{todo_id}", {
  params: { path, header: { "if-none-match": etag } },
});
const patched = await client.PATCH("/api/todos/{todo_id}", {
  params: { path, header: { "if-match": etag } },
  body: { description: "Oat, 2 litres" },
});
const stale = await client.PATCH("/api/todos/{todo_id}", {
  params: { path, header: { "if-match": etag } },
  body: { title: "Buy oat milk" },
});
const toggled = await client.POST("/api/todos/{todo_id}/toggle-complete", { params: { path } });
const done = present(toggled.data, "toggled todo");
const deleted = await client.DELETE("/api/todos/{todo_id}", {
  params: { path, header: { "if-match": `"${done.version}"` } },
});
const missing = await client.GET("/api/todos/{todo_id}", { params: { path } });
const markedDone = await client.PATCH("/api/todos", {
  params: { query: { priority: "high" } },
  body: { completed: true },
});
const cleared = await client.DELETE("/api/todos", { params: { query: { completed: true } } });

const changed = present(patched.data, "patched todo");
console.log(
  JSON.stringify({
    created: [milk.title, milk.priority, milk.version],
    listed: [page.items.map((item) => item.title), page.total],
    moved: [moved.title, moved.version, link(moved)],
    in_order: inOrder,
    followed: [followed.status, followedTodo.title],
    got: [got.response.status, etag, present(got.data, "todo").title],
    not_modified: [unchanged.response.status, unchanged.response.headers.get("ETag")],
    patched: [changed.description, changed.version],
    stale: [stale.response.status, ...problem(present(stale.error, "412 problem"))],
    toggled: [done.completed, done.version],
    deleted: deleted.response.status,
    missing: [missing.response.status, ...problem(present(missing.error, "404 problem"))],
    marked_done: present(markedDone.data, "bulk change").updated,
    cleared: present(cleared.data, "bulk delete").deleted,
    left: await titlesInOrder(),
  }),
);
