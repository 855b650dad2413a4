/** Azurite's well-known development account (https://learn.microsoft.com/azure/storage/common/storage-use-azurite). Node-free: test files in workerd import it. */
export const AZURITE_ACCOUNT = {
  accountName: 'devstoreaccount1',
  accountKey: 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
};

/** The container the azure runner stores into; each test works under its own name prefix in it. */
export const AZURITE_CONTAINER = 'contract';
