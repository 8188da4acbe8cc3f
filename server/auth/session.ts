/** The signed-in user for server components and route handlers, checked against the database. */
export { getSessionUser } from "./request";
