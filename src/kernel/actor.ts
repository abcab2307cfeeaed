/**
 * The authenticated caller, as routes and services see it. The kernel holds what every
 * module shares and no module owns: accounts makes an Actor (`authenticate`), http/auth
 * puts it on the request, and every module's use cases take it.
 */
export interface Actor {
  id: number;
  username: string;
  isStaff: boolean;
}
