# Copyright 2020 The Kubernetes Authors.
#
# Licensed under the Apache License, Version 2.0 (the "License"); you may not use this file
# except in compliance with the License. You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software distributed under the
# License is distributed on an "AS IS" BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND,
# either express or implied. See the License for the specific language governing
# permissions and limitations under the License.
#
# From kubernetes-sigs/ingress-controller-conformance, features/ingress_class.feature at commit
# f91a799, unchanged below this header. The step definitions are Skiff's (../steps.ts).

@sig-network @conformance @release-1.19
Feature: Ingress class
  Ingresses can be implemented by different controllers, often with different configuration.
  Each Ingress definition could specify a class, a reference to an IngressClass resource that contains
  additional configuration including the name of the controller that should implement the class.
  
  https://kubernetes.io/docs/concepts/services-networking/ingress/#ingress-class

  Scenario: An Ingress with an invalid ingress class should not send traffic to the matching backend service
    Given an Ingress resource in a new random namespace
    """
    apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata:
      name: test-ingress-class
    spec:
      ingressClassName: some-invalid-class-name
      rules:
        - host: "ingress-class"
          http:
            paths:
              - path: /
                pathType: Prefix
                backend:
                  service:
                    name: ingress-class-prefix
                    port:
                      number: 8080
    """
    Then The Ingress status should not contain the IP address or FQDN
