{
  # Test-only: the native helpers test/rio-real.test.ts drives real RIO with
  # and test/io-uring-*.test.ts drive real io_uring with.
  # Never shipped (package.json "files" names only the root binding.gyp and
  # native/) and never built by npm install or prebuildify. npm test builds it
  # on Windows (scripts/build-test-helpers.js); npm run test:windows
  # cross-builds it for Wine (scripts/windows/build.js reads this file).
  "targets": [
    {
      "target_name": "rio_loopback",
      "dependencies": [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"
      ],
      "defines": ["NAPI_VERSION=8"],
      "conditions": [
        # Winsock only: elsewhere there is nothing for it to talk to.
        ["OS=='win'", {
          "sources": [
            "binding.cc",
            "rio_loopback.cc",
            "../../native/binding/js_error.cc",
            "../../native/core/os_error.cc"
          ],
          "libraries": ["-lws2_32"],
          "msvs_settings": {"VCCLCompilerTool": {"AdditionalOptions": ["/std:c++17"]}}
        }, {
          "type": "none"
        }]
      ]
    },
    {
      "target_name": "io_uring_ring",
      "dependencies": [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"
      ],
      "defines": ["NAPI_VERSION=8"],
      "conditions": [
        # Linux only: SQEs on the registrar's ring, naming leases' fixed buffers.
        ["OS=='linux'", {
          "sources": [
            "io_uring_ring_binding.cc",
            "io_uring_ring.cc",
            "../../native/binding/js_error.cc",
            "../../native/core/os_error.cc"
          ],
          "cflags_cc": ["-std=c++17", "-Wall", "-Wextra"]
        }, {
          "type": "none"
        }]
      ]
    }
  ]
}
