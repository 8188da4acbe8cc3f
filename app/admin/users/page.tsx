import { UsersView } from "./users-view";

export default function UsersPage() {
  return <UsersView />;
}
