// A bad value already written as Go's %#v prints it, for field errors about internal structs
// (such as rbac.RoleRef) that have no JSON shape the error renderer knows.

export class GoLiteral {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

export const goLiteral = (text: string): GoLiteral => new GoLiteral(text);
