import { describe, expect, it } from 'vitest'
import { consulOptionsFromHttpFlags } from '../../../src/cli/lock/http-options.js'

describe('HTTP flags', () => {
  it('leave the environment in charge of everything not given', () => {
    expect(consulOptionsFromHttpFlags({})).toEqual({})
  })

  it('map to the client options, the TLS ones grouped', () => {
    expect(
      consulOptionsFromHttpFlags({
        'http-addr': 'https://consul:8501',
        token: 't',
        'token-file': '/run/token',
        'ca-file': '/ca.pem',
        'ca-path': '/cas',
        'client-cert': '/cert.pem',
        'client-key': '/key.pem',
        'tls-server-name': 'consul.service',
        datacenter: 'dc2',
        stale: true,
      }),
    ).toEqual({
      address: 'https://consul:8501',
      token: 't',
      tokenFile: '/run/token',
      datacenter: 'dc2',
      tls: {
        caFile: '/ca.pem',
        caPath: '/cas',
        certFile: '/cert.pem',
        keyFile: '/key.pem',
        serverName: 'consul.service',
      },
    })
  })
})
