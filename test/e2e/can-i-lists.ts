// What `kubectl auth can-i --list` prints for the bootstrap policy's roles of every
// authenticated user (system:basic-user, system:discovery, system:public-info-viewer), in the
// column widths of a list whose longest URL is `/openapi/*`.

export const CAN_I_HEADER =
  'Resources                                       Non-Resource URLs   Resource Names   Verbs\n';

/** The rows every authenticated user has, in kubectl's order. */
export const AUTHENTICATED_ROWS = `selfsubjectreviews.authentication.k8s.io        []                  []               [create]
selfsubjectaccessreviews.authorization.k8s.io   []                  []               [create]
selfsubjectrulesreviews.authorization.k8s.io    []                  []               [create]
                                                [/api/*]            []               [get]
                                                [/api]              []               [get]
                                                [/apis/*]           []               [get]
                                                [/apis]             []               [get]
                                                [/healthz]          []               [get]
                                                [/healthz]          []               [get]
                                                [/livez]            []               [get]
                                                [/livez]            []               [get]
                                                [/openapi/*]        []               [get]
                                                [/openapi]          []               [get]
                                                [/readyz]           []               [get]
                                                [/readyz]           []               [get]
                                                [/version/]         []               [get]
                                                [/version/]         []               [get]
                                                [/version]          []               [get]
                                                [/version]          []               [get]
`;
