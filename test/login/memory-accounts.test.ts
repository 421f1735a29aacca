import { memoryAccounts } from '../../src/index.js';
import { accountRepositoryContract } from './account-repository-contract.js';

const shared = memoryAccounts();
accountRepositoryContract('memoryAccounts', () => shared);
